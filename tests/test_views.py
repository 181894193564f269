import json
from datetime import datetime

from generator.views import display_date, safe_json


def test_safe_json_cannot_close_a_script_block():
    text = safe_json({"headline": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"headline": "</script><script>alert(1)</script> & <!--"}


def test_display_date_has_no_leading_zero():
    assert display_date(datetime(2012, 12, 3)) == "December 3, 2012"
