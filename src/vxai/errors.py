"""The one exception type for mistakes a user can fix (bad data, config or model)."""


class UserError(Exception):
    """A problem the user caused and can fix; the message names the culprit and the fix."""
