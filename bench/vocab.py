"""Words for realistic Chinese company and person names (bench/seed.py), and the fragments
bench/run.py searches for.

A company name is [city] + brand + trade + legal form, e.g. 北京鑫达科技有限公司. Each list is
drawn with Zipf-like weights, so some two-character fragments are very common (科技, 有限) and some
rare: the RARE_BRANDS are drawn for about one name in 20,000 each, and their characters occur
nowhere else in the vocabulary.
"""

# City[:region value in crm.dictionary.DEFAULT_ENTRIES], most frequent first.
_CITY_TEXT = """
北京:beijing 上海:shanghai 深圳:guangdong 广州:guangdong 杭州:zhejiang 成都:sichuan 重庆:chongqing 武汉:hubei
南京:jiangsu 天津:tianjin 苏州:jiangsu 西安 郑州:henan 长沙 青岛:shandong 东莞:guangdong 宁波:zhejiang
佛山:guangdong 合肥 无锡:jiangsu 福州:fujian 厦门:fujian 济南:shandong 沈阳 大连 昆明 温州:zhejiang 哈尔滨
长春 石家庄 常州:jiangsu 泉州:fujian 南宁 贵阳 南昌 南通:jiangsu 金华:zhejiang 徐州:jiangsu 太原 嘉兴:zhejiang
烟台:shandong 惠州:guangdong 保定 台州:zhejiang 中山:guangdong 绍兴:zhejiang 乌鲁木齐 潍坊:shandong 兰州
珠海:guangdong 镇江:jiangsu 海口 扬州:jiangsu 临沂:shandong 洛阳:henan 唐山 呼和浩特 盐城:jiangsu
汕头:guangdong 廊坊 泰州:jiangsu 济宁:shandong 湖州:zhejiang 江门:guangdong 银川 淄博:shandong 邯郸 芜湖
漳州:fujian 绵阳:sichuan 桂林 三亚 遵义 咸阳 上饶 莆田:fujian 宜昌:hubei 赣州 揭阳:guangdong 沧州 商丘:henan
连云港:jiangsu 柳州 岳阳 信阳:henan 株洲 衡阳 襄阳:hubei 南阳:henan 威海:shandong 湛江:guangdong 包头 鞍山
九江 大庆 许昌:henan 新乡:henan 宁德:fujian 西宁 宿迁:jiangsu 菏泽:shandong 蚌埠 邢台 铜陵 阜阳 荆州:hubei
驻马店:henan 湘潭 滁州 肇庆:guangdong 德阳:sichuan 曲靖 秦皇岛 潮州:guangdong 常德 宜春 黄冈:hubei
乐山:sichuan 单县:shandong 曾都:hubei
"""
CITIES = [(word.partition(":")[0], word.partition(":")[2] or None) for word in _CITY_TEXT.split()]

# Characters of the brand (字号), most frequent first; a brand is two of them.
BRAND_CHARS = (
    "鑫达华盛恒泰宏兴远通安信誉鼎丰源隆昌顺德辉瑞祥福金利嘉和新天宇博创卓越腾飞凯旋汇聚中科联合"
    "永康佳美晨光明阳海峰云龙凤锦绣宝豪正宸星月益民众诚睿智优品铭仁义礼精工立方圆长城翔浩骏驰启航"
    "蓝绿洲春秋雅致捷迅盈富贵荣耀振东南西北亿万千百佰仟邦泽润沃森林川江湖山石玉晶彩虹桥梁楚湘粤闽"
    "蜀皖鲁豫冀晋秦陇黔滇桂琼赣沪苏浙"
)

# Brands drawn for about one name in 20,000 each; their characters occur nowhere else.
RARE_BRANDS = ["貔貅", "饕餮", "麒麟", "鲲鹏", "琥珀", "翡翠", "玳瑁", "蝙蝠", "鹦鹉", "蜻蜓"]
RARE_BRAND_SHARE = 0.0005  # of all names, over the ten rare brands

# Trade (行业), most frequent first.
_TRADE_TEXT = """
科技 贸易 商贸 电子 机械 建材 实业 网络科技 信息技术 物流
食品 化工 医药 服装 纺织 家具 电器 环保 能源 建筑工程
软件 文化传媒 广告 餐饮管理 酒店管理 房地产开发 投资 咨询 教育科技 生物科技
新材料 汽车销售 汽车配件 五金 塑胶 印刷 包装 农业 水产 茶业
酒业 钢铁 有色金属 矿业 电力设备 通信设备 仪器仪表 光电 半导体 精密制造
模具 物业管理 人力资源 供应链管理 进出口 电子商务 旅游 健康管理 医疗器械 装饰工程
"""
TRADES = _TRADE_TEXT.split()

LEGAL_FORMS = [
    ("有限公司", 60),
    ("有限责任公司", 15),
    ("股份有限公司", 8),
    ("集团有限公司", 4),
    ("厂", 4),
    ("商行", 3),
    ("经营部", 3),
    ("工作室", 2),
    ("合伙企业（有限合伙）", 1),
]

DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "高新区", "经济开发区", "城关区", "新区", "江北区"]
ROADS = ["建设路", "人民路", "解放路", "中山路", "长江路", "科技园路", "工业大道", "滨江大道", "和平路", "新华路"]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞红建国志斌鹏宇浩然子涵欣怡梓轩思雨俊杰晨"
POSITIONS = ["总经理", "副总经理", "采购经理", "财务总监", "销售经理", "技术总监", "行政主管", "办公室主任", "项目经理"]
BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "兴业银行"]

# What bench/run.py searches for.
SEARCH_THREE = "鑫达科"  # a brand and the start of a trade: a few hundred names in a million
SEARCH_COMMON_TWO = "科技"  # in about a fifth of all names
SEARCH_RARE_TWO = "貔貅"  # one of the RARE_BRANDS: about 50 names in a million
SEARCH_INITIALS = "bjxd"  # 北京鑫达…
SEARCH_CODE = "KH2025"  # the customers entered in 2025
