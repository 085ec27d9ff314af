"""The demo council: Walsall's real Council Plans and published KPI history with a fictional
organisation and people, loaded by ``manage.py demo_council``, and a compressed quarterly
cycle to watch (``manage.py demo_cycle``). Its own app at the top of the house, so no part
of the product depends on demo data. Sources and their terms: ``demo/data/*.md``."""
