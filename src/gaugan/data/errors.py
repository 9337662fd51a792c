"""The one exception type of the data layer: always names the file and the offending value."""


class DatasetError(ValueError):
    """A dataset on disk that cannot be used as it is (missing, corrupt or inconsistent files)."""
