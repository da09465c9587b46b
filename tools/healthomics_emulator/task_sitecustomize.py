"""A task's network as HealthOmics would give it: the local executor installs this as ``sitecustomize``.

The local executor (``local_executor.py``) copies this file as ``sitecustomize.py`` into a run's scratch
directory, puts that directory first on the task's ``PYTHONPATH`` and names the run's network policy (a
JSON file written by ``egress.py``) in the ``OMICS_EMULATOR_NETWORK_POLICY`` environment variable. Every
Python process of the task imports it at start-up (``site`` does), and it then:

- wraps ``socket.socket.connect`` and ``connect_ex``, so every TCP connection the task opens
  (``socket.create_connection``, ``http.client``, ``urllib``, ``ssl``, ``ftplib`` control and passive
  data connections, ``smtplib``, asyncio...) is checked against the policy first;
- lets an allowed connection through untouched;
- drops a blocked one as a security group or a missing route does on AWS: no answer at all. The
  connect blocks until the socket's timeout, capped at the policy's ``drop_timeout`` so tests stay quick,
  then fails exactly as a real unanswered SYN does: ``socket.timeout("timed out")`` (``TimeoutError``)
  when the socket has a timeout, ``TimeoutError(ETIMEDOUT)`` when it has none (the kernel giving up),
  ``EAGAIN``/``ETIMEDOUT`` from ``connect_ex``; a non-blocking socket gets ``EINPROGRESS`` and a
  handshake that never completes (it is pointed at a local listener whose accept queue is full, so the
  kernel itself drops the SYNs);
- imports the next ``sitecustomize`` on the path, if any, so an existing one keeps working;
- appends one JSON line per decision (ACCEPT or REJECT, destination, reason) to the policy's
  ``flow_log``, the emulator's VPC Flow Logs.

Name resolution is untouched (the VPC resolver answers in VPC mode), and so are UDP and Unix sockets.
A server the task itself listens on at a loopback address stays reachable from the task (as inside a
container). Without the environment variable this module does nothing, so it never affects the
emulator's own process.

This file runs in whatever ``python3`` the task uses: standard library only, nothing newer than 3.8.
"""

import errno
import ipaddress
import json
import os
import socket
import sys
import threading
import time

POLICY_ENV = "OMICS_EMULATOR_NETWORK_POLICY"
DEFAULT_DROP_TIMEOUT = 3.0

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_listen = socket.socket.listen
_lock = threading.Lock()
_blackholes = {}
_policy = None


# --------------------------------------------------------------------------------------------
# The decision (also imported by the emulator's tests and by egress.py)
# --------------------------------------------------------------------------------------------


def _address(ip):
    address = ipaddress.ip_address(str(ip).split("%", 1)[0])  # drop an IPv6 scope id
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def _covers(cidrs, address):
    for cidr in cidrs:
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version == address.version and address in network:
            return True
    return False


def matching_egress_rule(rules, address, port, protocol="tcp"):
    """The first security group egress rule that lets ``protocol`` traffic reach address:port, or None."""
    for rule in rules:
        if rule["protocol"] not in ("-1", protocol):
            continue
        if rule["protocol"] != "-1" and not rule["from_port"] <= port <= rule["to_port"]:
            continue
        if _covers(rule["ipv4"] if address.version == 4 else rule["ipv6"], address):
            return rule
    return None


def best_route(routes, address):
    """The route the VPC router picks for ``address``: the longest matching prefix (or None)."""
    best, best_length = None, -1
    for route in routes:
        network = ipaddress.ip_network(route["destination"], strict=False)
        if network.version == address.version and address in network and network.prefixlen > best_length:
            best, best_length = route, network.prefixlen
    return best


def decide(policy, ip, port, local_ports=()):
    """Whether a TCP connection to ip:port leaves the task: (allowed, reason)."""
    address = _address(ip)
    if address.is_loopback and port in local_ports:
        return True, "a server of the task itself"
    if policy.get("mode") != "VPC":
        for host, allowed_port in policy.get("restricted_allowed", []):
            if _address(host) == address and allowed_port == port:
                return True, "an AWS service endpoint that RESTRICTED runs reach"
        return False, "RESTRICTED networking mode: no outbound network access"

    groups = ", ".join(policy.get("security_groups", [])) or "(none)"
    rule = matching_egress_rule(policy.get("egress_rules", []), address, port)
    if rule is None:
        return False, "security group: no egress rule of %s allows tcp/%d to %s" % (groups, port, address)
    hops = []
    for subnet in policy.get("subnets", []):
        route = best_route(subnet["routes"], address)
        where = "subnet %s (route table %s)" % (subnet["subnet"], subnet.get("route_table") or "none")
        if route is None:
            return False, "route: %s has no route to %s" % (where, address)
        if not route["usable"]:
            return False, "route: %s sends %s via %s: %s" % (
                where,
                route["destination"],
                route["target"],
                route["note"],
            )
        hops.append("%s via %s" % (subnet["subnet"], route["target"]))
    if not hops:
        return False, "route: the configuration has no subnet"
    ports = (
        "all traffic"
        if rule["protocol"] == "-1"
        else "%s/%d-%d" % (rule["protocol"], rule["from_port"], rule["to_port"])
    )
    label = " (%s)" % rule["description"] if rule.get("description") else ""
    return True, "%s allows %s%s; %s" % (rule["group"], ports, label, ", ".join(hops))


# --------------------------------------------------------------------------------------------
# Enforcement in the task's processes
# --------------------------------------------------------------------------------------------


def _local_ports():
    path = _policy.get("listeners_path")
    if not path:
        return ()
    try:
        with open(path) as listeners:
            return {int(line) for line in listeners if line.strip().isdigit()}
    except OSError:
        return ()


def _log(action, host, ip, port, reason):
    path = _policy.get("flow_log")
    if not path:
        return
    record = {
        "time": round(time.time(), 3),
        "pid": os.getpid(),
        "action": action,
        "protocol": "tcp",
        "host": host,
        "destination": str(ip),
        "port": port,
        "reason": reason,
    }
    try:
        with open(path, "a") as log:  # O_APPEND: one short line per write, safe across processes
            log.write(json.dumps(record) + "\n")
    except OSError:
        pass


def _resolve(sock, address):
    """The literal address a connect to ``address`` would reach (None: not ours to police)."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return None
    if not isinstance(address, tuple) or len(address) < 2:
        return None
    host, port = address[0], address[1]
    try:
        _address(host)
        return address
    except ValueError:
        pass
    try:  # what the C implementation does with a host name: the first answer of the resolver
        infos = socket.getaddrinfo(host, port, sock.family, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None  # the real connect fails the same way
    return infos[0][4] if infos else None


def _check(sock, address):
    """(address to connect to, blocked?)"""
    target = _resolve(sock, address)
    if target is None:
        return address, False
    ip, port = target[0], target[1]
    try:
        allowed, reason = decide(_policy, ip, port, _local_ports())
    except Exception as error:  # a broken policy blocks (fail closed) rather than letting traffic out
        allowed, reason = False, "policy error: %s" % error
    _log("ACCEPT" if allowed else "REJECT", address[0], ip, port, reason)
    return target, not allowed


def _blackhole(family):
    """A local address whose listener never accepts and whose queue is full: the kernel drops SYNs to it."""
    with _lock:
        if family not in _blackholes:
            try:
                listener = socket.socket(family, socket.SOCK_STREAM)
                listener.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
                _real_listen(listener, 0)
                address = listener.getsockname()
                fillers = []
                for _filler_index in range(3):
                    filler = socket.socket(family, socket.SOCK_STREAM)
                    filler.setblocking(False)
                    _real_connect_ex(filler, address)
                    fillers.append(filler)
                _blackholes[family] = (address, listener, fillers)
            except OSError:
                _blackholes[family] = None
        entry = _blackholes[family]
        return entry[0] if entry else None


def _drop(sock, raise_error):
    """What an unanswered SYN looks like to the caller."""
    timeout = sock.gettimeout()
    if timeout == 0.0:  # non-blocking: in progress, and it never completes
        blackhole = _blackhole(sock.family)
        if blackhole is not None:
            _real_connect_ex(sock, blackhole)
        if raise_error:
            raise BlockingIOError(errno.EINPROGRESS, os.strerror(errno.EINPROGRESS))
        return errno.EINPROGRESS
    cap = float(_policy.get("drop_timeout", DEFAULT_DROP_TIMEOUT))
    time.sleep(cap if timeout is None else min(timeout, cap))
    if timeout is None:  # the kernel gives up after its SYN retries
        if raise_error:
            raise TimeoutError(errno.ETIMEDOUT, os.strerror(errno.ETIMEDOUT))
        return errno.ETIMEDOUT
    if raise_error:
        raise socket.timeout("timed out")
    return errno.EAGAIN


def _connect(self, address):
    target, blocked = _check(self, address)
    if blocked:
        return _drop(self, raise_error=True)
    return _real_connect(self, target)


def _connect_ex(self, address):
    target, blocked = _check(self, address)
    if blocked:
        return _drop(self, raise_error=False)
    return _real_connect_ex(self, target)


def _listen(self, *args):
    result = _real_listen(self, *args)
    path = _policy.get("listeners_path")
    if path and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            host, port = self.getsockname()[:2]
            address = _address(host)
            if address.is_loopback or address.is_unspecified:
                with open(path, "a") as listeners:
                    listeners.write("%d\n" % port)
        except (OSError, ValueError):
            pass
    return result


def _load_policy(path):
    try:
        with open(path) as source:
            return json.load(source)
    except (OSError, ValueError) as error:
        sys.stderr.write(
            "omics emulator: cannot read the network policy %s (%s); blocking all traffic\n" % (path, error)
        )
        return {"mode": "RESTRICTED", "drop_timeout": DEFAULT_DROP_TIMEOUT}


def install(path):
    """Enforce the policy in this process (idempotent)."""
    global _policy
    _policy = _load_policy(path)
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.socket.listen = _listen


def _chain():
    """Import the sitecustomize this one shadows, as ``site`` would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    ours = sys.modules.get("sitecustomize")
    saved_path = list(sys.path)
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401  (the next one on the path)
    except ImportError as error:
        if error.name != "sitecustomize":
            sys.stderr.write("omics emulator: the chained sitecustomize failed: %r\n" % (error,))
    except Exception as error:
        sys.stderr.write("omics emulator: the chained sitecustomize failed: %r\n" % (error,))
    finally:
        sys.path[:] = saved_path
        if ours is not None:
            sys.modules["sitecustomize"] = ours


if __name__ == "sitecustomize":
    if os.environ.get(POLICY_ENV):
        install(os.environ[POLICY_ENV])
    _chain()
