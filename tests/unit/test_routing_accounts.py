from services.router.routing.domain.accounts import Account, match_account


def test_account_domains_in_any_form_match_the_registrable_domain():
    account = Account("acc-1", ("https://www.acme.co.uk/about",))
    assert match_account(("acme.co.uk",), [account]) == account


def test_the_email_domain_wins_over_the_website():
    email_account, web_account = Account("acc-mail", ("acme.com",)), Account("acc-web", ("globex.com",))
    assert match_account(("acme.com", "globex.com"), [web_account, email_account]) == email_account


def test_two_accounts_on_one_domain_prefer_the_key_account_then_the_id():
    plain, key = Account("acc-a", ("acme.com",)), Account("acc-z", ("acme.com",), key_account=True)
    assert match_account(("acme.com",), [plain, key]) == key
    assert match_account(("acme.com",), [Account("acc-b", ("acme.com",)), plain]) == plain


def test_no_shared_domain_means_no_account():
    assert match_account(("initech.io",), [Account("acc-a", ("acme.com",))]) is None
