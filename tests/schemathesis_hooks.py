"""What schemathesis leaves to other tests (loaded by `tests/test_schemathesis.py` through
$SCHEMATHESIS_HOOKS): `house_rules` on `POST /v1/conversations/score`.

House rules are programs in the rule language of docs/operators.md, and each must pass its own
example conversations; no JSON Schema can say which documents do, so rules generated from the
schema are, rightly, refused with a 422 naming the rule and the field, which schemathesis would
report as a valid request rejected.  `tests/test_house_rules.py` covers them."""

import schemathesis


@schemathesis.hook
def filter_case(context, case) -> bool:
    return not (isinstance(case.body, dict) and case.body.get("house_rules") is not None)
