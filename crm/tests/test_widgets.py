from django.utils.translation import gettext_lazy, override

from crm.widgets import FastSelect


def test_fast_select_escapes_marks_the_choice_and_translates_labels():
    widget = FastSelect(choices=[("", "---"), (1, '<b>"Ann"</b> & co'), ('x"y', gettext_lazy("Active"))])
    with override("zh-hans"):
        html = widget.render("manager", 1, attrs={"id": "id_manager", "class": "form-select"})
    assert html.startswith("<select ") and html.endswith("</select>")
    assert 'name="manager"' in html and 'id="id_manager"' in html and 'class="form-select"' in html
    assert '<option value="1" selected>&lt;b&gt;&quot;Ann&quot;&lt;/b&gt; &amp; co</option>' in html
    assert '<option value="">---</option>' in html
    assert '<option value="x&quot;y">正常</option>' in html
    assert html.count(" selected") == 1
    assert "<b>" not in html


def test_fast_select_without_a_value_selects_nothing():
    html = FastSelect(choices=[(1, "a"), (2, "b")]).render("level", None)
    assert " selected" not in html and html.count("<option") == 2


def test_fast_select_keeps_a_label_marked_safe():
    from django.utils.safestring import mark_safe

    html = FastSelect(choices=[(1, mark_safe("A &amp; B"))]).render("x", None)
    assert ">A &amp; B</option>" in html
