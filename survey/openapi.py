"""The OpenAPI 3.1 description of the JSON API."""

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description):
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_SLUG = {"name": "slug", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"}}

_ANSWER_VALUE = {
    "description": (
        "single_choice and likert: an option id; multi_choice: a list of option ids; "
        "matrix: an object {row_id: column_id}; ranking: a list of all item ids, best first; "
        "number: an integer or decimal (not a boolean, NaN or infinity); text: a string; "
        "consent: true. The text of an \"other\" choice goes under \"<question id>.other\"."
    ),
    "oneOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean", "const": True},
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": {"type": "string"}},
    ],
}

_SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "A message per invalid field, e.g. answers.<id>."},
            },
        }},
    },
    "SurveySummary": {
        "type": "object",
        "required": ["slug", "title", "languages", "version", "url"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "object", "additionalProperties": {"type": "string"}},
            "languages": {"type": "array", "items": {"type": "string"}},
            "version": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "SurveyDetail": {
        "allOf": [{"$ref": "#/components/schemas/SurveySummary"}, {
            "type": "object",
            "required": ["definition", "is_open"],
            "properties": {
                "is_open": {"type": "boolean"},
                "definition": {"type": "object",
                               "description": "The survey definition (see the README)."},
            },
        }],
    },
    "ResponseSubmission": {
        "type": "object",
        "required": ["submission_id", "answers"],
        "additionalProperties": False,
        "properties": {
            "submission_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,100}$",
                              "description": "New for each response; a repeat stores nothing."},
            "language": {"type": "string", "description": "One of the survey's languages."},
            "answers": {"type": "object", "additionalProperties": _ANSWER_VALUE},
        },
    },
    "Release": {
        "type": "object",
        "required": ["survey", "release", "published_at", "responses", "demo_responses",
                     "versions", "settings", "findings"],
        "properties": {
            "survey": {"type": "string"},
            "release": {"type": "integer"},
            "published_at": {"type": "string", "format": "date-time"},
            "responses": {"type": "integer", "description": "Responses the release counts."},
            "demo_responses": {"type": "integer"},
            "versions": {"type": "array", "items": {"type": "integer"},
                         "description": "The definition versions included."},
            "settings": {"type": "object", "description": "Disclosure settings: k, minimum n."},
            "findings": {"type": "array", "items": {"type": "object"},
                         "description": "Each finding's result, suppressed as published."},
        },
    },
    "ResponseStored": {
        "type": "object",
        "required": ["status", "submission_id", "survey", "version"],
        "properties": {
            "status": {"type": "string", "enum": ["stored", "already_stored"]},
            "submission_id": {"type": "string"},
            "survey": {"type": "string"},
            "version": {"type": "integer"},
        },
    },
}


def openapi_document() -> dict:
    """The OpenAPI document served at /api/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Resonanz API", "version": "1",
                 "description": "Open surveys and their responses. Errors are JSON "
                                "{error: {code, message, fields}}."},
        "paths": {
            "/api/v1/surveys": {"get": {
                "summary": "Open surveys",
                "operationId": "listSurveys",
                "responses": {"200": _json({
                    "type": "object", "required": ["surveys"],
                    "properties": {"surveys": {
                        "type": "array", "items": {"$ref": "#/components/schemas/SurveySummary"},
                    }},
                }, "The open surveys")},
            }},
            "/api/v1/surveys/{slug}": {"get": {
                "summary": "A survey's current definition",
                "operationId": "getSurvey",
                "parameters": [_SLUG],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/SurveyDetail"}, "The survey"),
                    "404": _error_response("No such survey"),
                },
            }},
            "/api/v1/surveys/{slug}/responses": {"post": {
                "summary": "Submit one complete response",
                "operationId": "submitResponse",
                "parameters": [_SLUG],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ResponseSubmission"}}}},
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/ResponseStored"}, "Stored"),
                    "200": _json({"$ref": "#/components/schemas/ResponseStored"},
                                 "Stored before under this submission id; nothing new stored"),
                    "400": _error_response("The body is not a JSON object"),
                    "403": _error_response("The survey is closed"),
                    "404": _error_response("No such survey"),
                    "409": _error_response("Already answered"),
                    "413": _error_response("The body is too large"),
                    "415": _error_response("The body is not application/json"),
                    "422": _error_response("Invalid answers, with a message per field"),
                    "429": _error_response("Too many submissions; see Retry-After"),
                },
            }},
            "/api/v1/surveys/{slug}/findings": {"get": {
                "summary": "The latest release of a survey's findings (or ?release=N)",
                "operationId": "getFindings",
                "parameters": [_SLUG, {
                    "name": "release", "in": "query", "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "A release number; default: the latest release.",
                }],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Release"}, "The release"),
                    "400": _error_response("release is not a release number"),
                    "404": _error_response("No such survey, or no such (or no) release"),
                },
            }},
        },
        "components": {"schemas": _SCHEMAS},
    }
