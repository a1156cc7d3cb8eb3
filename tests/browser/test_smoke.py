def test_the_overview_page_passes_axe(live_server, page, assert_accessible, action_line):
    page.goto(live_server.url + "/")

    assert page.locator("h1").count() == 1
    assert_accessible(page)
