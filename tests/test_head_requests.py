"""Every page that answers GET answers HEAD too (link checkers, uptime monitors and proxies send HEAD)."""

from __future__ import annotations

from tests.url_sweep import review_urls


def test_head_answers_wherever_get_does(review_with_records, owner, client_for):
    client = client_for(owner)
    assert client.head("/").status_code == 200
    checked = 0
    for swept in review_urls(review_with_records):
        if swept.name == "logout":
            continue
        get = client.get(swept.url)
        if get.streaming:  # a download holds its file open until it is read to the end
            b"".join(get.streaming_content)
        if get.status_code != 200:
            continue
        head = client.head(swept.url)
        assert head.status_code == 200, f"HEAD {swept.url} gave {head.status_code}"
        assert (b"".join(head.streaming_content) if head.streaming else head.content) == b""
        checked += 1
    assert checked > 15
