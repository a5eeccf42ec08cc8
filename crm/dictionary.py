"""The data dictionary's starting entries and the read used by forms to offer them."""

# (category, value, label, English label, editable)
DEFAULT_ENTRIES = [
    ("region", "beijing", "北京", "Beijing", True),
    ("region", "shanghai", "上海", "Shanghai", True),
    ("region", "tianjin", "天津", "Tianjin", True),
    ("region", "chongqing", "重庆", "Chongqing", True),
    ("region", "guangdong", "广东", "Guangdong", True),
    ("region", "jiangsu", "江苏", "Jiangsu", True),
    ("region", "zhejiang", "浙江", "Zhejiang", True),
    ("region", "shandong", "山东", "Shandong", True),
    ("region", "sichuan", "四川", "Sichuan", True),
    ("region", "hubei", "湖北", "Hubei", True),
    ("region", "fujian", "福建", "Fujian", True),
    ("region", "henan", "河南", "Henan", True),
    ("service_type", "consultation", "咨询", "Consultation", False),
    ("service_type", "suggestion", "建议", "Suggestion", False),
    ("service_type", "complaint", "投诉", "Complaint", False),
    ("opportunity_source", "web", "网络推广", "Online marketing", True),
    ("opportunity_source", "exhibition", "展会", "Trade fair", True),
    ("opportunity_source", "referral", "客户介绍", "Referral", True),
    ("opportunity_source", "telemarketing", "电话营销", "Telemarketing", True),
    ("opportunity_source", "existing", "老客户", "Existing customer", True),
    ("unit", "piece", "个", "piece", True),
    ("unit", "set", "套", "set", True),
    ("unit", "unit", "台", "unit", True),
    ("unit", "box", "箱", "box", True),
    ("unit", "kg", "千克", "kg", True),
    ("unit", "metre", "米", "metre", True),
]


def seed_dictionary(*, apps=None):
    """Create the default entries that are missing; existing entries are left as they are."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    DictionaryEntry = apps.get_model("crm", "DictionaryEntry")
    for order, (category, value, label, label_en, editable) in enumerate(DEFAULT_ENTRIES):
        DictionaryEntry.objects.get_or_create(
            category=category,
            value=value,
            defaults={
                "label": label,
                "label_en": label_en,
                "sort_order": order,
                "is_editable": editable,
            },
        )


def active_entries(category):
    """The active entries of one category, in their display order."""
    from crm.models import DictionaryEntry

    return DictionaryEntry.objects.filter(category=category, is_active=True)
