"""Bad input on POST /v1/events gets a clear JSON error and never reaches Kafka."""

import httpx
import orjson

from tests.support.events import engagement, unique_email

CE_JSON = {"content-type": "application/cloudevents+json"}


async def _post(services, content: bytes, headers: dict | None = None, auth: bool = True):
    all_headers = {**(services.auth if auth else {}), **CE_JSON, **(headers or {})}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{services.scorer_url}/v1/events", content=content, headers=all_headers)


async def test_malformed_json_is_400(services, untouched_topic):
    response = await _post(services, b'{"specversion": "1.0", "id": ')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


async def test_schema_errors_are_422_naming_each_field(services, untouched_topic):
    event = engagement(unique_email(), "Teleport!")  # any kind name is taken; a malformed one is not
    del event["id"]
    event["data"]["occurred_at"] = "yesterday"
    response = await _post(services, orjson.dumps(event))
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {"id", "data.activity", "data.occurred_at"} <= fields


async def test_a_batch_names_the_index_of_the_bad_event(services, untouched_topic):
    good, bad = engagement(unique_email()), engagement(unique_email())
    bad["data"]["activity"] = "no pe"
    response = await _post(services, orjson.dumps([good, bad]),
                           {"content-type": "application/cloudevents-batch+json"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["[1].data.activity"]


async def test_an_event_without_email_or_external_id_is_422(services, untouched_topic):
    response = await _post(services, orjson.dumps(engagement(None)))
    assert response.status_code == 422
    assert "email or external_id" in response.text


async def test_a_body_over_one_mebibyte_is_413(services, untouched_topic):
    event = engagement(unique_email(), attributes={"padding": "x" * (1024 * 1024)})
    response = await _post(services, orjson.dumps(event))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_a_request_without_an_api_key_is_401(services, untouched_topic):
    response = await _post(services, orjson.dumps(engagement(unique_email())), auth=False)
    assert response.status_code == 401


async def test_a_wrong_content_type_is_415(services, untouched_topic):
    response = await _post(services, b"a=b", {"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
