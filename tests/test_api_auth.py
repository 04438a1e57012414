"""API authentication: anonymous calls get 401 with `{"error"}`; session and token both work."""

from knox.models import AuthToken


def test_it_answers_401_to_anonymous_calls(client, world):
    for url in ["/api/v1/tenants/", "/api/v1/t/acme/repos/"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert "error" in response.json()


def test_it_accepts_a_token_and_a_session(client, world):
    _, token = AuthToken.objects.create(user=world.viewer_a)
    by_token = client.get("/api/v1/tenants/", HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.status_code == 200
    assert [t["slug"] for t in by_token.json()] == ["acme"]
    assert world.client_for(world.owner_b).get("/api/v1/tenants/").json()[0]["slug"] == "globex"


def test_it_rejects_a_wrong_token_with_401(client, world):
    response = client.get("/api/v1/tenants/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401


def test_it_scopes_by_the_token_user_when_a_session_is_also_present(world):
    # Session of alice (tenant A) + token of bob (tenant B): DRF acts as bob, so must the scoping.
    client = world.client_for(world.owner_a)
    _, bob_token = AuthToken.objects.create(user=world.owner_b)
    assert client.get("/api/v1/t/acme/repos/", HTTP_AUTHORIZATION=f"Token {bob_token}").status_code == 404
    globex = client.get("/api/v1/t/globex/repos/", HTTP_AUTHORIZATION=f"Token {bob_token}")
    assert globex.status_code == 200
    assert globex.json()[0]["full_name"] == "globex/secret-plans"


def test_it_refuses_an_invalid_token_even_with_a_session(world):
    client = world.client_for(world.owner_a)
    assert client.get("/api/v1/t/acme/repos/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
