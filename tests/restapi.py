"""What the REST service tests share: the messages they send and the check on the one error shape."""

from __future__ import annotations

DEFLECT = "这个业务不归我管，找别人去"
POLITE = "您好，请问您需要办理什么业务？"
JSON = {"content-type": "application/json"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert set(error) <= {"code", "message", "detail"}
    return error
