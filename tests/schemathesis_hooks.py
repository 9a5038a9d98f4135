"""The one rejection of a schema-valid request that schemathesis should not report (loaded by
`tests/test_schemathesis.py` through $SCHEMATHESIS_HOOKS): a house rule refused as one.

House rules (`house_rules` on `POST /v1/conversations/score`) are programs in the rule language of
docs/operators.md: their patterns must parse and each must pass its own example conversations,
which no JSON Schema can state.  So a generated rule document that the schema allows may rightly
be a 422 `invalid_house_rules` naming the rule and the field.  They are still generated and sent
(a 5xx or any other failure on them counts), and any other 422 for a schema-valid request still
fails the run."""

import schemathesis


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    excused = failure.code == "ST202" and response.status_code == 422 and _error_code(response) == "invalid_house_rules"
    return not excused


def _error_code(response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
