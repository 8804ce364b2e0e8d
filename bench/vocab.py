"""Fictional text material for the benchmark data set: real 2-character Chinese words.

Nothing here names a real person; streets and districts are common Taiwanese place-name
words used generically.
"""

from __future__ import annotations

# (main category code, name, English name, department unit code, topic words). Topic words
# dominate the subjects and descriptions of the category's cases, so term frequencies are
# skewed like real intake: 路燈 is common, 堤防 rare.
MAIN_CATEGORIES: list[tuple[str, str, str, list[str]]] = [
    ("ROAD", "道路養護", "Roads", ["道路", "坑洞", "路面", "人孔", "凹陷", "柏油", "修補", "標線"]),
    ("LIGHT", "路燈照明", "Street lights", ["路燈", "不亮", "閃爍", "照明", "燈泡", "故障", "電桿", "夜間"]),
    ("PARK", "公園綠地", "Parks", ["公園", "遊具", "涼亭", "座椅", "草皮", "樹木", "修剪", "步道"]),
    ("CLEAN", "環境清潔", "Sanitation", ["垃圾", "清運", "髒亂", "回收", "落葉", "水溝", "異味", "清潔"]),
    ("NOISE", "噪音管制", "Noise", ["噪音", "施工", "喇叭", "音響", "夜間", "擾人", "改裝", "排氣"]),
    ("AIR", "空氣污染", "Air pollution", ["空氣", "污染", "煙霧", "焚燒", "油煙", "粉塵", "工廠", "排放"]),
    ("PARK2", "停車管理", "Parking", ["停車", "違規", "拖吊", "車位", "佔用", "紅線", "機車", "收費"]),
    ("TRAF", "交通號誌", "Traffic signals", ["號誌", "紅燈", "秒數", "路口", "斑馬", "行人", "車流", "壅塞"]),
    ("BUS", "公車捷運", "Public transport", ["公車", "站牌", "班次", "司機", "過站", "捷運", "路線", "誤點"]),
    ("WATER", "排水防洪", "Drainage", ["排水", "淹水", "積水", "側溝", "堵塞", "下水", "抽水", "堤防"]),
    ("BUILD", "建築管理", "Buildings", ["違建", "頂樓", "加蓋", "鐵皮", "外牆", "磁磚", "掉落", "騎樓"]),
    ("STALL", "攤販市場", "Stalls and markets", ["攤販", "市場", "佔用", "騎樓", "油煙", "衛生", "營業", "夜市"]),
    ("ANIMAL", "動物保護", "Animals", ["流浪", "野狗", "貓咪", "動物", "吠叫", "咬傷", "捕捉", "餵食"]),
    ("WELFARE", "社會福利", "Welfare", ["補助", "申請", "長照", "低收", "救助", "身障", "老人", "托育"]),
    ("SCHOOL", "教育學校", "Education", ["學校", "老師", "學生", "校園", "營養", "午餐", "課後", "霸凌"]),
    ("HEALTH", "衛生醫療", "Health", ["疫苗", "診所", "醫院", "登革", "消毒", "蚊蟲", "食品", "標示"]),
    ("SAFETY", "治安消防", "Safety", ["治安", "巡邏", "竊盜", "監視", "消防", "通道", "瓦斯", "警察"]),
    ("TAX", "稅務規費", "Taxes and fees", ["稅單", "房屋", "地價", "罰單", "繳費", "退費", "規費", "稅額"]),
    ("HOUSE", "戶政地政", "Registration", ["戶籍", "證件", "門牌", "地籍", "謄本", "預約", "櫃台", "排隊"]),
    ("SERVICE", "服務態度", "Service quality", ["態度", "電話", "專線", "回覆", "承辦", "效率", "網站", "系統"]),
]

# Sub-category suffixes: nine per main category (20 × (1 + 9) = 200 categories).
SUB_SUFFIXES = ["一般", "緊急", "查詢", "檢舉", "建議", "申訴", "協助", "複查", "其他"]
# Words a sub-category's cases use (same order as SUB_SUFFIXES): a sub-category is told from
# its siblings by them, as 路燈不亮 from 路燈閃爍 in a real catalogue; several also occur in
# GENERAL_WORDS, so they are a hint, not a give-away (bench/generate.py, `leaf_words`).
SUB_WORDS: list[list[str]] = [
    ["例行", "一般", "定期"],
    ["緊急", "立即", "危急"],
    ["查詢", "進度", "請問"],
    ["檢舉", "舉發", "蒐證"],
    ["建議", "增設", "規劃"],
    ["申訴", "不服", "不公"],
    ["協助", "幫忙", "求助"],
    ["複查", "再次", "重新"],
    ["另外", "其他", "順便"],
]

GENERAL_WORDS: list[str] = """
民眾 反映 附近 旁邊 對面 前方 巷口 巷弄 社區 住戶 鄰居 里長 大樓 管委 居民 家人 小孩 長輩
希望 儘速 派員 處理 改善 協助 查明 說明 回應 加強 注意 檢查 維修 更換 清理 取締 稽查 開單
問題 情形 狀況 影響 嚴重 危險 安全 困擾 不便 生活 健康 睡眠 通行 出入 上班 上學 環境 品質
每天 經常 多次 長期 上週 昨天 今天 早上 中午 晚上 凌晨 假日 平日 最近 目前 已經 仍然 一直
市府 政府 單位 機關 公所 局處 人員 承辦 主管 專線 網站 信箱 電話 公文 回覆 答復 進度 結果
請求 建議 陳情 投訴 檢舉 抱怨 感謝 肯定 表揚 滿意 失望 無奈 期待 重視 關心 盡快 立即 持續
颱風 豪雨 地震 高溫 寒流 梅雨 午後 雷雨 停電 停水 漏水 管線 瓦斯 電線 網路 訊號 基地 電信
車輛 汽車 卡車 貨車 單車 自行 腳踏 騎士 駕駛 速度 超速 飆車 酒駕 事故 擦撞 受傷 救護 送醫
商店 餐廳 超商 工地 工廠 倉庫 停車 廣場 車站 學校 醫院 公園 市場 廟宇 教會 圖書 體育 游泳
廣告 招牌 看板 傳單 布條 旗幟 燈箱 投影 螢幕 喇叭 音樂 廣播 宣傳 活動 表演 節慶 煙火 遊行
""".split()

STREETS = [
    "中山路", "中正路", "民生路", "民權路", "民族路", "復興路", "和平路", "忠孝路", "仁愛路", "信義路",
    "光復路", "建國路", "成功路", "自由路", "博愛路", "文化路", "公園路", "中華路", "三民路", "五福路",
    "大同路", "新生路", "長安路", "永康街", "福德街", "南京路", "承德路", "重慶路", "延平路", "環河路",
]
DISTRICTS = ["中正區", "大同區", "中山區", "松山區", "大安區", "萬華區", "信義區", "士林區", "北投區", "內湖區", "南港區", "文山區"]
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴".split()
GIVEN = "志明 淑芬 家豪 雅婷 俊傑 怡君 冠宇 佳穎 承翰 欣怡 宗翰 詩涵 建宏 美玲 柏翰 婉婷 信宏 惠雯 彥廷 郁婷".split()
REPLIES = [
    "已派員現場勘查並完成修復，感謝您的反映。",
    "已函請權責單位處理，並將持續追蹤改善情形。",
    "經查屬實，已依規定開立告發單並加強巡查。",
    "已列入年度改善計畫，預計於下月施工。",
]
