# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a module run did, in one shape for every module, and the one time budget its waits share."""

import threading
import time


class ChangeLog:
    """Human-readable list of the changes a run made, or would make in check mode.

    Steps run together (concurrency.steps_together) each note their changes apart, in their own thread; they are
    listed in the steps' order, so a plan and its apply read the same."""

    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.entries = []
        self._local = threading.local()

    def add(self, text):
        noted = getattr(self._local, "noted", None)
        (self.entries if noted is None else noted).append(text)

    def noting_apart(self, step):
        """Run `step` in this thread with its changes kept apart; returns (result, its changes)."""
        self._local.noted = []
        try:
            return step(), self._local.noted
        finally:
            self._local.noted = None

    def extend(self, entries):
        for text in entries:
            self.add(text)

    def __bool__(self):
        return bool(self.entries)

    def __len__(self):
        return len(self.entries)


class Deadline:
    """The one time budget (wait_timeout) shared by every wait in a module run, and what those waits took."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.started_at = time.monotonic()
        self.expires_at = self.started_at + seconds
        # One entry per resource waited on: {"resource", "reached", "seconds"}, returned as the result's `waited`.
        self.waited = []

    def note_wait(self, resource, reached, seconds):
        self.waited.append({"resource": resource, "reached": reached, "seconds": round(seconds, 1)})

    def remaining(self):
        return max(0.0, self.expires_at - time.monotonic())

    def expired(self):
        return self.remaining() <= 0


class Outcome:
    """What a module run did.

    ``changes`` is the ChangeLog of modules that list their changes (``changed`` is then whether it has
    entries); other modules give ``changed`` itself. ``resource`` is the module's main result, ``before``
    and ``after`` feed diff mode, ``extra`` holds further result keys.
    """

    def __init__(self, changed=None, changes=None, resource=None, before=None, after=None, warnings=None, **extra):
        self._changed = changed
        self.changes = changes
        self.resource = resource if resource is not None else {}
        self.before = before if before is not None else {}
        self.after = after if after is not None else self.resource
        self.warnings = list(warnings or [])
        self.extra = extra

    @property
    def changed(self):
        if self._changed is not None:
            return bool(self._changed)
        return bool(self.changes)
