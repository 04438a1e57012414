"""API authentication: anonymous calls get 401 with `{"error"}`; session and token both work."""

from rest_framework.authtoken.models import Token


def test_it_answers_401_to_anonymous_calls(client, world):
    for url in ["/api/v1/tenants/", "/api/v1/t/acme/repos/"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert "error" in response.json()


def test_it_accepts_a_token_and_a_session(client, world):
    token = Token.objects.create(user=world.viewer_a)
    by_token = client.get("/api/v1/tenants/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 200
    assert [t["slug"] for t in by_token.json()] == ["acme"]
    assert world.client_for(world.owner_b).get("/api/v1/tenants/").json()[0]["slug"] == "globex"


def test_it_rejects_a_wrong_token_with_401(client, world):
    response = client.get("/api/v1/tenants/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
