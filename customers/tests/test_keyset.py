import re

from customers.tests.factories import make_customer


def _codes(html):
    table = html.split('data-testid="customer-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r">(KH\d{12})<", table)


def test_next_link_continues_the_list_where_the_page_ended_without_offset(
    client, manager_ann, django_assert_max_num_queries
):
    for number in range(55):
        make_customer(manager_ann, name=f"测试{'甲乙丙丁戊'[number % 5]}客户{number:02d}有限公司")
    client.force_login(manager_ann)

    first = client.get("/customers/").content.decode()
    second_by_offset = _codes(client.get("/customers/?page=2").content.decode())
    link = re.search(r'href="([^"]+)" data-testid="keyset-next"', first).group(1).replace("&amp;", "&")
    assert "after=" in link
    with django_assert_max_num_queries(12):
        second = client.get(f"/customers/{link}").content.decode()

    assert len(_codes(first)) == 50
    assert _codes(second) == second_by_offset and len(second_by_offset) == 5
    assert not set(_codes(second)) & set(_codes(first))
    assert 'data-testid="keyset-next"' not in second  # a short page is the last


def test_keyset_link_keeps_the_search_and_is_absent_for_other_sorts(client, manager_ann):
    for number in range(51):
        make_customer(manager_ann, name=f"鑫达测试{number:02d}有限公司")
    client.force_login(manager_ann)
    first = client.get("/customers/?q=鑫达").content.decode()
    link = re.search(r'href="([^"]+)" data-testid="keyset-next"', first).group(1)
    assert "q=%E9%91%AB%E8%BE%BE" in link
    assert 'data-testid="keyset-next"' not in client.get("/customers/?sort=-code").content.decode()


def test_a_malformed_keyset_is_ignored(client, manager_ann):
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    client.force_login(manager_ann)
    response = client.get("/customers/?after=nonsense")
    assert response.status_code == 200
    assert len(_codes(response.content.decode())) == 1
