"""The restJson1 wire protocol of the omics service, driven entirely by botocore's service model.

Nothing here knows about configurations, workflows or runs: routes come from each operation's
``http.method`` / ``http.requestUri``, request members are read from the URI, query string,
headers or JSON body as their ``location`` says, and every value is checked against its shape's
constraints (required, type, length, pattern, enum, range, union). Responses are serialized by
walking the output shape, errors by the error shape. A new botocore release therefore changes
what the emulator accepts exactly as it changes what the real service accepts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import functools
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import unquote

import botocore.session
from botocore.model import OperationModel
from botocore.model import ServiceModel
from botocore.model import Shape

from .errors import OmicsError
from .errors import ValidationException

SERVICE_NAME = "omics"
# Coral-style services list at most this many problems in one ValidationException message.
MAX_REPORTED_VIOLATIONS = 10


@functools.lru_cache(maxsize=1)
def load_service_model() -> ServiceModel:
    """botocore's omics model; loaded once, since parsing it is slow and it is never modified."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


# --------------------------------------------------------------------------------------------
# Patterns: the model's patterns are Java regular expressions matched against the whole value.
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _unicode_category_ranges() -> dict[str, list[tuple[int, int]]]:
    """Code point ranges per Unicode general category, both major ("L") and minor ("Lu")."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    category_of = unicodedata.category
    current, start = None, 0
    for code_point in range(sys.maxunicode + 2):
        category = category_of(chr(code_point)) if code_point <= sys.maxunicode else None
        if category == current:
            continue
        if current is not None:
            for key in (current, current[0]):
                bucket = ranges.setdefault(key, [])
                if bucket and bucket[-1][1] == start - 1:
                    bucket[-1] = (bucket[-1][0], code_point - 1)
                else:
                    bucket.append((start, code_point - 1))
        current, start = category, code_point
    return ranges


def _class_body_for_category(category: str) -> str:
    ranges = _unicode_category_ranges().get(category)
    if not ranges:
        raise ValueError(f"unknown Unicode category \\p{{{category}}}")
    return "".join(f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


@functools.lru_cache(maxsize=None)
def compile_model_pattern(pattern: str) -> re.Pattern[str]:
    """Translate a Java pattern from the model into a Python one.

    Python's ``re`` lacks ``\\p{..}`` Unicode categories, and inside a character class Java reads
    ``|`` literally where Python warns about future set operations; both are rewritten here.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            if escaped in "pP" and pattern.startswith("{", index + 2):
                end = pattern.index("}", index + 2)
                body = _class_body_for_category(pattern[index + 3 : end])
                if in_class:
                    if escaped == "P":
                        raise ValueError(f"\\P inside a character class is not supported: {pattern}")
                    out.append(body)
                else:
                    out.append(("[^" if escaped == "P" else "[") + body + "]")
                index = end + 1
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "|":
                char = "\\|"
            elif char == "&" and pattern.startswith("&&", index):
                raise ValueError(f"Java class intersection is not supported: {pattern}")
        elif char == "[":
            in_class = True
            out.append(char)
            # A leading "^" or "]" belongs to the class syntax, not to its members.
            if pattern.startswith("^", index + 1):
                out.append("^")
                index += 1
            if pattern.startswith("]", index + 1):
                out.append("\\]")
                index += 1
            index += 1
            continue
        out.append(char)
        index += 1
    return re.compile("".join(out))


# --------------------------------------------------------------------------------------------
# Request values: type conversion and constraint checks by walking the input shape.
# --------------------------------------------------------------------------------------------


def _plain(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_plain(item)}" for key, item in value.items()) + "}"
    return str(value)


def _display(value: object) -> str:
    """A value as Coral-style validation messages show it: quoted and shortened."""
    if value is None:
        return "null"
    text = _plain(value)
    if len(text) > 128:
        text = text[:125] + "..."
    return f"'{text}'"


@dataclass
class _Violations:
    lines: list[str] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)

    def add(self, path: str, value: object, constraint: str) -> None:
        self.paths.add(path)
        self.lines.append(f"Value {_display(value)} at '{path}' failed to satisfy constraint: {constraint}")

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        count = len(self.lines)
        noun = "error" if count == 1 else "errors"
        shown = "; ".join(self.lines[:MAX_REPORTED_VIOLATIONS])
        raise ValidationException(f"{count} validation {noun} detected: {shown}")


def _parse_timestamp(value: object) -> dt.datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
        except ValueError:
            pass
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return None


def _size_constraints(shape: Shape, size: int, unit: str) -> list[str]:
    problems = []
    minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
    if minimum is not None and size < minimum:
        problems.append(f"Member must have {unit} greater than or equal to {minimum}")
    if maximum is not None and size > maximum:
        problems.append(f"Member must have {unit} less than or equal to {maximum}")
    return problems


class _RequestChecker:
    """Converts a decoded request value to Python types while collecting constraint violations."""

    def __init__(self) -> None:
        self.violations = _Violations()

    def check_request(self, shape: Shape, members: dict) -> dict:
        """Check an operation's input gathered by member name; raise on any violation."""
        params = self._structure(shape, members, "", keyed_by_member_name=True) or {}
        self.violations.raise_if_any()
        return params

    def check(self, shape: Shape, value: object, path: str) -> object:
        if value is None:
            return None
        if shape.type_name == "structure":
            if shape.is_document_type:
                return value
            return self._structure(shape, value, path)
        handler = getattr(self, f"_{shape.type_name}")
        return handler(shape, value, path)

    def _fail(self, path: str, value: object, constraint: str) -> None:
        self.violations.add(path, value, constraint)

    def _structure(self, shape, value, path, keyed_by_member_name=False):
        """Check a structure; JSON objects use wire names, a parsed request uses member names."""
        if not isinstance(value, dict):
            self._fail(path, value, "Member must be a structure")
            return None
        converted = {}
        for name, member in shape.members.items():
            key = name if keyed_by_member_name else member.serialization.get("name", name)
            if key in value:
                item = self.check(member, value[key], f"{path}.{name}" if path else name)
                if item is not None:
                    converted[name] = item
        for name in shape.required_members:
            member_path = f"{path}.{name}" if path else name
            # A member that is present but invalid has been reported already.
            if converted.get(name) is None and member_path not in self.violations.paths:
                self._fail(member_path, None, "Member must not be null")
        if shape.is_tagged_union and len(converted) != 1:
            self._fail(path, value, f"Member must have exactly one of {sorted(shape.members)} set")
        return converted

    def _string(self, shape, value, path):
        if not isinstance(value, str):
            self._fail(path, value, "Member must be of type string")
            return None
        for problem in _size_constraints(shape, len(value), "length"):
            self._fail(path, value, problem)
        if shape.enum and value not in shape.enum:
            self._fail(path, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not compile_model_pattern(pattern).fullmatch(value):
            self._fail(path, value, f"Member must satisfy regular expression pattern: {pattern}")
        return value

    def _number(self, shape, value, path, accepted, type_label):
        if isinstance(value, bool) or not isinstance(value, accepted):
            self._fail(path, value, f"Member must be of type {type_label}")
            return None
        minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
        if minimum is not None and value < minimum:
            self._fail(path, value, f"Member must have value greater than or equal to {minimum}")
        if maximum is not None and value > maximum:
            self._fail(path, value, f"Member must have value less than or equal to {maximum}")
        return value

    def _integer(self, shape, value, path):
        return self._number(shape, value, path, int, "integer")

    def _long(self, shape, value, path):
        return self._number(shape, value, path, int, "long")

    def _double(self, shape, value, path):
        return self._number(shape, value, path, (int, float), "double")

    def _float(self, shape, value, path):
        return self._number(shape, value, path, (int, float), "float")

    def _boolean(self, shape, value, path):
        if not isinstance(value, bool):
            self._fail(path, value, "Member must be of type boolean")
            return None
        return value

    def _blob(self, shape, value, path):
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
        elif isinstance(value, str):
            try:
                data = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                self._fail(path, value, "Member must be base64-encoded binary data")
                return None
        else:
            self._fail(path, value, "Member must be of type blob (base64 string)")
            return None
        for problem in _size_constraints(shape, len(data), "length"):
            self._fail(path, data, problem)
        return data

    def _timestamp(self, shape, value, path):
        parsed = _parse_timestamp(value)
        if parsed is None:
            self._fail(path, value, "Member must be a timestamp")
        return parsed

    def _list(self, shape, value, path):
        if not isinstance(value, list):
            self._fail(path, value, "Member must be of type list")
            return None
        for problem in _size_constraints(shape, len(value), "length"):
            self._fail(path, value, problem)
        converted = []
        for position, item in enumerate(value, start=1):
            item_path = f"{path}.{position}.member"
            if item is None:
                self._fail(item_path, None, "Member must not be null")
                continue
            converted.append(self.check(shape.member, item, item_path))
        return converted

    def _map(self, shape, value, path):
        if not isinstance(value, dict):
            self._fail(path, value, "Member must be of type map")
            return None
        for problem in _size_constraints(shape, len(value), "length"):
            self._fail(path, value, problem)
        converted = {}
        for key, item in value.items():
            # Keys are reported at the map's own path, values under their key.
            key_checker = _RequestChecker()
            key_checker.check(shape.key, key, path)
            for line in key_checker.violations.lines:
                self.violations.lines.append(line.replace("constraint: Member", "constraint: Map key", 1))
            if item is None:
                self._fail(f"{path}.{key}", None, "Member must not be null")
                continue
            converted[key] = self.check(shape.value, item, f"{path}.{key}")
        return converted


def _text_to_wire_value(shape: Shape, text: str, in_header: bool) -> object:
    """A URI label, query or header string as the JSON value the checker expects."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text  # reported by the checker as a type violation
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    json_in_header = kind == "structure" and shape.is_document_type or shape.serialization.get("jsonvalue")
    if in_header and json_in_header:
        try:
            return json.loads(base64.b64decode(text))
        except (binascii.Error, ValueError):
            return text
    return text


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    operation: OperationModel
    method: str
    segments: tuple[tuple[str, str], ...]  # ("literal", text) | ("label", name) | ("greedy", name)
    required_query: tuple[tuple[str, str | None], ...]

    @classmethod
    def from_operation(cls, operation: OperationModel) -> "_Route":
        path, _question_mark, literal_query = operation.http["requestUri"].partition("?")
        segments = []
        for part in path.lstrip("/").split("/") if path.strip("/") else []:
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                segments.append(("greedy", name[:-1]) if name.endswith("+") else ("label", name))
            else:
                segments.append(("literal", part))
        required = []
        for item in filter(None, literal_query.split("&")):
            key, has_value, value = item.partition("=")
            required.append((key, value if has_value else None))
        return cls(operation, operation.http["method"].upper(), tuple(segments), tuple(required))

    @property
    def specificity(self) -> tuple[int, int, int]:
        literals = sum(kind == "literal" for kind, _text in self.segments)
        greedy = sum(kind == "greedy" for kind, _text in self.segments)
        return (literals, len(self.required_query), -greedy)

    def match(self, raw_parts: list[str], query: dict[str, list[str]]) -> dict[str, str] | None:
        for key, value in self.required_query:
            if key not in query or (value is not None and value not in query[key]):
                return None
        labels: dict[str, str] = {}
        position = 0
        for index, (kind, text) in enumerate(self.segments):
            if kind == "greedy":
                # A greedy label takes what the following literal segments leave over.
                remaining_template = len(self.segments) - index - 1
                end = len(raw_parts) - remaining_template
                if end <= position:
                    return None
                labels[text] = unquote("/".join(raw_parts[position:end]))
                position = end
                continue
            if position >= len(raw_parts):
                return None
            part = unquote(raw_parts[position])
            if kind == "literal" and part != text:
                return None
            if kind == "label":
                if not part:
                    return None
                labels[text] = part
            position += 1
        return labels if position == len(raw_parts) else None


# --------------------------------------------------------------------------------------------
# The protocol facade used by the HTTP server
# --------------------------------------------------------------------------------------------


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class OmicsProtocol:
    """Routes, parses, validates and serializes omics requests per botocore's model."""

    def __init__(self, service_model: ServiceModel | None = None):
        self.service_model = service_model or load_service_model()
        routes = [
            _Route.from_operation(self.service_model.operation_model(name))
            for name in self.service_model.operation_names
        ]
        # Most specific first, so "/run/{id}/cancel" wins over any looser template.
        self._routes = sorted(routes, key=lambda route: route.specificity, reverse=True)

    # -- requests --------------------------------------------------------------------------

    def match(self, method: str, raw_path: str, query: dict[str, list[str]]) -> tuple[OperationModel, dict[str, str]]:
        raw_parts = raw_path.lstrip("/").split("/") if raw_path.strip("/") else []
        for route in self._routes:
            if route.method != method.upper():
                continue
            labels = route.match(raw_parts, query)
            if labels is not None:
                return route.operation, labels
        raise OmicsError(
            f"No omics operation matches {method} {raw_path}", code="UnknownOperationException", http_status=404
        )

    def parse_request(
        self,
        operation: OperationModel,
        labels: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> dict:
        """The operation's input as Python values; raises ValidationException on any violation."""
        shape = operation.input_shape
        if shape is None:
            return {}
        payload_name = shape.serialization.get("payload")
        lowered_headers = {key.lower(): value for key, value in headers.items()}
        wire: dict[str, object] = {}
        bound_query_names = {
            member.serialization.get("name", name)
            for name, member in shape.members.items()
            if member.serialization.get("location") == "querystring" and member.type_name != "map"
        }
        json_body = None
        if payload_name is None or shape.members[payload_name].type_name == "structure":
            json_body = self._decode_json_body(body)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "uri":
                if wire_name in labels:
                    wire[name] = _text_to_wire_value(member, labels[wire_name], in_header=False)
            elif location == "querystring":
                self._read_query_member(name, member, wire_name, query, wire, bound_query_names)
            elif location == "header":
                if wire_name.lower() in lowered_headers:
                    text = lowered_headers[wire_name.lower()]
                    if member.type_name == "list":
                        wire[name] = [item.strip() for item in text.split(",")]
                    else:
                        wire[name] = _text_to_wire_value(member, text, in_header=True)
            elif location == "headers":
                prefix = wire_name.lower()
                wire[name] = {
                    key[len(prefix) :]: value for key, value in lowered_headers.items() if key.startswith(prefix)
                } or None
            elif name == payload_name:
                wire[name] = json_body if member.type_name == "structure" else (body or None)
            elif json_body is not None and wire_name in json_body:
                wire[name] = json_body[wire_name]
        return _RequestChecker().check_request(shape, wire)

    @staticmethod
    def _decode_json_body(body: bytes) -> dict:
        if not body or not body.strip():
            return {}
        try:
            decoded = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationException(f"Request body is not valid JSON: {error}") from None
        if not isinstance(decoded, dict):
            raise ValidationException("Request body must be a JSON object")
        return decoded

    @staticmethod
    def _read_query_member(name, member, wire_name, query, wire, bound_query_names) -> None:
        if member.type_name == "map":
            # A query map collects every parameter not bound to another member.
            wire[name] = {key: values[0] for key, values in query.items() if key not in bound_query_names} or None
        elif wire_name in query:
            values = query[wire_name]
            if member.type_name == "list":
                wire[name] = [_text_to_wire_value(member.member, value, in_header=False) for value in values]
            else:
                wire[name] = _text_to_wire_value(member, values[0], in_header=False)

    # -- responses -------------------------------------------------------------------------

    def serialize_response(self, operation: OperationModel, result: dict | None) -> HttpAnswer:
        """Project ``result`` onto the output shape; keys the shape lacks are dropped."""
        status = operation.http.get("responseCode", 200)
        headers = {"Content-Type": "application/json"}
        shape = operation.output_shape
        if shape is None:
            return HttpAnswer(status, headers, b"")
        result = result or {}
        body: dict = {}
        payload_name = shape.serialization.get("payload")
        raw_payload = None
        for name, member in shape.members.items():
            value = result.get(name)
            if value is None:
                continue
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers[wire_name] = self._header_text(member, value)
            elif location == "headers":
                headers.update({wire_name + key: str(item) for key, item in value.items()})
            elif name == payload_name:
                if member.type_name == "structure":
                    body = _serialize_value(member, value)
                else:
                    raw_payload = value if isinstance(value, bytes) else str(value).encode()
            else:
                body[wire_name] = _serialize_value(member, value)
        if raw_payload is not None:
            headers["Content-Type"] = "application/octet-stream"
            return HttpAnswer(status, headers, raw_payload)
        return HttpAnswer(status, headers, b"" if status == 204 else json.dumps(body).encode())

    @staticmethod
    def _header_text(member: Shape, value: object) -> str:
        if member.type_name == "timestamp":
            return email.utils.format_datetime(_as_datetime(value), usegmt=True)
        if member.type_name == "boolean":
            return "true" if value else "false"
        if member.type_name == "list":
            return ",".join(str(item) for item in value)
        return str(value)

    def serialize_error(self, error: OmicsError) -> HttpAnswer:
        """A restJson1 error: status from the error shape, type header, ``message`` body."""
        status = error.http_status
        message_key = "message"
        if error.code in self.service_model.shape_names:
            error_shape = self.service_model.shape_for(error.code)
            if status is None:
                status = error_shape.metadata.get("error", {}).get("httpStatusCode")
            # Use the member name the model gives the message ("message" for omics).
            for name in error_shape.members:
                if name.lower() == "message":
                    message_key = name
        body = json.dumps({message_key: error.message}).encode()
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.code}
        return HttpAnswer(status or 500, headers, body)


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)


def _serialize_value(shape: Shape, value: object) -> object:
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return value
        return {
            member.serialization.get("name", name): _serialize_value(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list":
        return [_serialize_value(shape.member, item) for item in value]
    if kind == "map":
        return {key: _serialize_value(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        moment = _as_datetime(value)
        time_format = shape.serialization.get("timestampFormat", "unixTimestamp").lower()
        if time_format == "iso8601":
            return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if time_format == "rfc822":
            return email.utils.format_datetime(moment, usegmt=True)
        return moment.timestamp()
    if kind == "blob":
        return base64.b64encode(value).decode()
    return value
