"""REST API of the reporting app (built by the reports issue): one view per report, errors in the one shape."""
