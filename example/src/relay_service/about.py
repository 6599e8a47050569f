# Managed by relaykit: "copier update" merges the template's changes into this file.
"""What the copier answers fixed about this service: its name, contract and URLs."""

# The answers are kept on one line each, whatever their length.
# fmt: off

#: Distribution name in pyproject.toml; the API version is read from its metadata.
DISTRIBUTION = "relay-service"

#: API title in the OpenAPI document.
TITLE = "Relay Service"

#: API description in the OpenAPI document.
DESCRIPTION = "An API-first Flask microservice that validates events and hands them to a worker."

#: OpenAPI version of the generated contract.
OPENAPI_VERSION = "3.1.0"

#: Port the service listens on unless RELAY_PORT says otherwise.
HTTP_PORT = 8000

#: URL prefix of the versioned API.
API_PREFIX = "/v1"

#: How API clients authenticate unless RELAY_AUTH says otherwise.
AUTH = "api_key"

#: URL prefix of the service's own routes: health checks, docs and openapi.json.
SERVICE_ROUTES_PREFIX = ""
# fmt: on
