from schemas.events import lead_key_for


def test_the_lead_key_is_the_lower_cased_email():
    assert lead_key_for(" Ada@Example.COM ", "mautic", "42") == "ada@example.com"


def test_without_email_the_lead_key_is_source_and_external_id():
    assert lead_key_for(None, "hubspot", "901") == "hubspot:901"
