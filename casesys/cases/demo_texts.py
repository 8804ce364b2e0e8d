"""The demo data's words: complaints written the way a Taiwanese city receives them.

Hand-written, fictional texts (no Faker filler) in the three tones a city hall sees every
day: a 1999 operator's transcription of a call (`phone`), a letter to the mayor's mailbox
or an e-mail (`letter`) and a short chat message (`chat`), plus some in English (`en`).
Places are real-sounding streets of the city's twelve districts with made-up house numbers
and coordinates near the street; people are invented, their phones follow the clearly fake
pattern 09xx-000-xxx and their e-mail addresses are on the reserved example.com domain.

Placeholders filled in by `casesys.cases.demo`: {street} {addr} (street and house number),
{lane} (a lane off the street), {district}, {spot} (a landmark near the place).
"""

from __future__ import annotations

from dataclasses import dataclass

# district → (street, lat, lng): a point on the street, jittered by ±~150 m per case.
STREETS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "中正區": (("重慶南路一段", 25.0405, 121.5127), ("羅斯福路二段", 25.0268, 121.5221), ("汀州路三段", 25.0152, 121.5318), ("南昌路二段", 25.0291, 121.5183)),
    "大同區": (("迪化街一段", 25.0568, 121.5099), ("民生西路", 25.0574, 121.5152), ("延平北路二段", 25.0561, 121.5123), ("承德路三段", 25.0676, 121.5189)),
    "中山區": (("林森北路", 25.0534, 121.5248), ("南京東路二段", 25.0521, 121.5302), ("民權東路二段", 25.0623, 121.5287), ("中山北路二段", 25.0577, 121.5221)),
    "松山區": (("八德路四段", 25.0483, 121.5651), ("民生東路五段", 25.0589, 121.5623), ("南京東路五段", 25.0510, 121.5618), ("饒河街", 25.0508, 121.5748)),
    "大安區": (("復興南路一段", 25.0381, 121.5437), ("和平東路二段", 25.0252, 121.5442), ("敦化南路一段", 25.0398, 121.5491), ("師大路", 25.0233, 121.5288)),
    "萬華區": (("西園路二段", 25.0281, 121.4981), ("康定路", 25.0378, 121.5002), ("和平西路三段", 25.0352, 121.4993), ("環河南路二段", 25.0368, 121.4978)),
    "信義區": (("松仁路", 25.0372, 121.5682), ("忠孝東路五段", 25.0411, 121.5702), ("吳興街", 25.0291, 121.5621), ("虎林街", 25.0398, 121.5772)),
    "士林區": (("中正路", 25.0931, 121.5252), ("文林路", 25.0921, 121.5233), ("天母東路", 25.1172, 121.5322), ("承德路四段", 25.0832, 121.5211)),
    "北投區": (("光明路", 25.1349, 121.5041), ("石牌路二段", 25.1161, 121.5162), ("中和街", 25.1331, 121.5002), ("大業路", 25.1322, 121.4981)),
    "內湖區": (("成功路四段", 25.0838, 121.5942), ("內湖路一段", 25.0801, 121.5681), ("瑞光路", 25.0771, 121.5752), ("康寧路三段", 25.0712, 121.6071)),
    "南港區": (("南港路一段", 25.0532, 121.6072), ("研究院路一段", 25.0482, 121.6151), ("經貿二路", 25.0581, 121.6172), ("昆陽街", 25.0512, 121.5921)),
    "文山區": (("木柵路一段", 24.9889, 121.5561), ("興隆路二段", 25.0001, 121.5522), ("羅斯福路六段", 24.9982, 121.5401), ("景興路", 24.9921, 121.5432)),
}

SPOTS = (
    "公車站牌旁", "便利商店門口", "捷運站出口附近", "國小側門", "市場入口", "里民活動中心前",
    "加油站對面", "郵局旁", "停車場出入口", "河濱公園入口", "菜市場後面", "社區大樓門口",
)

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高"
GIVEN = (
    "淑芬", "志明", "雅婷", "建宏", "美玲", "俊傑", "怡君", "家豪", "佩珊", "宗翰", "秀英", "冠廷",
    "惠如", "文雄", "欣怡", "明哲", "麗華", "承恩", "靜宜", "國華", "嘉玲", "柏宇", "玉珍", "信宏",
)
EN_NAMES = (
    "Daniel Hoffmann", "Maria Santos", "Kenji Watanabe", "Emily Carter", "Nguyen Thi Lan",
    "Lucas Moreau", "Sarah O'Neill", "Arjun Mehta", "Anna Kowalski", "Tom Becker",
)

# Survey comments by score (5 best).
SURVEY_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("處理很快，謝謝！", "隔天就修好了，感謝承辦同仁。", "回覆清楚，效率很好。", ""),
    4: ("有改善，但希望能再快一點。", "謝謝處理，回覆內容有點制式。", ""),
    3: ("有處理，但過幾天又一樣。", "回覆看不太懂要等多久。"),
    2: ("問題沒有真正解決，只是回一封公文。", "等了很久才處理。"),
    1: ("根本沒有人來看，回覆跟事實不符。", "已經反映第三次了，還是一樣。"),
}


@dataclass(frozen=True)
class DemoText:
    category: str  # a leaf category code of `demo.CATEGORIES`
    tone: str  # phone | letter | chat | en
    subject: str
    body: str
    # Where intake sends it when the category names no department (mailbox letters).
    department: str = ""


T = DemoText

TEXTS: tuple[DemoText, ...] = (
    # --- 路燈不亮 -------------------------------------------------------------------------
    T("LIGHT-OUT", "phone", "{street}路燈不亮",
      "民眾來電反映：{addr}前（{spot}）的路燈已經連續三天晚上不亮，整段路很暗，"
      "附近長輩晚上出門散步很危險。路燈桿上的編號民眾看不清楚，大約在第二支桿子。請派員檢修，並請回電告知處理情形。"),
    T("LIGHT-OUT", "phone", "{lane}口路燈閃爍",
      "民眾來電表示：{lane}口的路燈一直忽明忽暗，晚上閃得很厲害，住在對面的民眾睡覺時很受干擾，"
      "已經持續約一週。請權責單位儘速派員查修。"),
    T("LIGHT-OUT", "chat", "{street}路燈壞了",
      "您好，{street}{spot}那支路燈又壞了，這禮拜第二次了，晚上整排黑黑的，麻煩派人來看一下，謝謝。"),
    T("LIGHT-OUT", "letter", "請修復{street}沿線故障路燈",
      "市長您好：\n我每天晚上十點多下班，走{street}回家。最近{addr}到巷口這一段有兩盞路燈不亮，"
      "騎樓下又沒有燈，女性晚上走在這裡會害怕。希望能儘快修復，也請考慮把這一段的燈換成比較亮的LED燈。\n敬祝 市政順利\n市民 敬上"),
    T("LIGHT-OUT", "chat", "巷子路燈白天一直亮著",
      "不好意思想反映一下，{lane}那盞路燈白天也一直亮著，好像感應器壞掉了，浪費電，麻煩有空處理～"),
    # --- 公園設施 -------------------------------------------------------------------------
    T("LIGHT-PARK", "phone", "{street}鄰里公園溜滑梯破損",
      "民眾來電反映：{street}旁鄰里公園的溜滑梯側邊塑膠板破裂，有尖銳邊角，小朋友玩的時候容易割傷。"
      "民眾已先用塑膠袋包住，請派員儘速修繕或先行圍起警示。"),
    T("LIGHT-PARK", "letter", "公園座椅與步道損壞請改善",
      "您好：\n我家附近{street}的社區公園，有三張木頭座椅已經腐朽，其中一張坐下去會搖晃；"
      "步道的地磚也有多處翹起，早上很多長輩在那裡運動，擔心有人跌倒。懇請相關單位派員勘查改善。\n謝謝\n附近居民 敬上"),
    T("LIGHT-PARK", "chat", "公園飲水機故障",
      "你好，{street}那個公園的飲水機按了都沒有水，已經壞快兩個禮拜了，夏天很多人運動完要喝水，麻煩修一下，謝謝。"),
    T("LIGHT-PARK", "phone", "公園遊具旁地墊破損",
      "民眾來電：{district}{street}附近公園的盪鞦韆下方安全地墊破了一個大洞，底下的水泥露出來。"
      "民眾擔心小孩跌落受傷，請儘速更換。"),
    # --- 行道樹 ---------------------------------------------------------------------------
    T("LIGHT-TREE", "phone", "{street}行道樹傾斜恐倒塌",
      "民眾來電反映：{addr}前的行道樹昨天颳風後明顯傾斜，樹根把人行道磚頂起來，"
      "樹幹靠在機車停車格上方。民眾擔心颱風來時會倒，請儘速派員處理。"),
    T("LIGHT-TREE", "letter", "行道樹遮蔽路燈與號誌，請修剪",
      "市長您好：\n{street}{spot}的行道樹枝葉長得非常茂密，已經把路燈和紅綠燈遮住一半，"
      "晚上開車幾乎看不到號誌。希望能安排修剪，但請不要修成只剩樹幹，謝謝。\n市民 敬上"),
    T("LIGHT-TREE", "chat", "斷枝掉在人行道上",
      "您好，{street}靠近{spot}有一根很大的樹枝斷掉掛在半空中，下面是人行道，很危險，請快點派人處理！"),
    T("LIGHT-TREE", "phone", "行道樹樹穴積水孳生蚊蟲",
      "民眾來電表示：{lane}口的行道樹樹穴凹陷，下雨後一直積水，最近蚊子很多，"
      "擔心孳生病媒蚊，請權責單位處理樹穴填土。"),
    # --- 路面坑洞 -------------------------------------------------------------------------
    T("ROAD-POTHOLE", "phone", "{street}路面坑洞，機車險摔",
      "民眾來電反映：{addr}前快車道上有一個約臉盆大小的坑洞，下雨積水看不到，"
      "民眾今天早上騎機車經過差點摔車。請儘速派員修補，並先放置警示。"),
    T("ROAD-POTHOLE", "chat", "路上有大洞",
      "你好，{street}往{district}公所方向，{spot}前面那段路有個大洞，剛剛看到一台機車閃避差點被撞，麻煩快點補，謝謝！"),
    T("ROAD-POTHOLE", "letter", "{street}人孔蓋凹陷不平",
      "您好：\n{addr}附近路口的人孔蓋比路面低了好幾公分，車子壓過去會「碰」一聲很大聲，"
      "半夜常被吵醒，機車騎過也很危險。之前好像有修過，但沒多久又凹下去了。請貴單位徹底改善，謝謝。\n住戶 敬上"),
    T("ROAD-POTHOLE", "phone", "管線施工後路面未復原",
      "民眾來電反映：{street}上個月有管線單位挖馬路，施工完只用瀝青草草補起來，"
      "現在整段高低不平、有裂縫，下雨會積水。請查明是哪個單位施工並要求依規定刨鋪。"),
    T("ROAD-POTHOLE", "chat", "機車道路面龜裂",
      "{street}機車待轉區那邊路面整片龜裂，碎石一直跑出來，騎車很滑，能請人來處理嗎？"),
    # --- 人行道 ---------------------------------------------------------------------------
    T("ROAD-SIDEWALK", "phone", "{street}人行道地磚鬆動",
      "民眾來電反映：{addr}到{spot}這段人行道地磚多處鬆動，踩下去會噴水，"
      "民眾的母親上週在這裡絆倒擦傷。請儘速派員修復。"),
    T("ROAD-SIDEWALK", "letter", "人行道被店家占用，輪椅無法通行",
      "市長您好：\n我是輪椅使用者，住在{district}。{street}{addr}一帶的人行道被店家擺放桌椅和招牌，"
      "輪椅完全過不去，只能下到車道上跟車子搶路，非常危險。懇請相關單位取締並改善人行道的無障礙環境。\n市民 敬上"),
    T("ROAD-SIDEWALK", "chat", "人行道斜坡太陡",
      "您好，{street}路口人行道的無障礙斜坡太陡，推嬰兒車上不去，可以改善嗎？"),
    T("ROAD-SIDEWALK", "phone", "騎樓高低落差大",
      "民眾來電表示：{street}{addr}附近騎樓每一戶高度都不一樣，有好幾處落差超過十公分，"
      "長輩走路常常絆到。請協助整平或勸導住戶改善。"),
    # --- 積水 -----------------------------------------------------------------------------
    T("ROAD-FLOOD", "phone", "{street}下雨即積水",
      "民眾來電反映：每次下大雨，{addr}前面路段就積水到腳踝，水退得很慢，"
      "機車經過會濺到行人。民眾懷疑是側溝堵塞，請派員清疏並檢查排水。"),
    T("ROAD-FLOOD", "chat", "側溝蓋不見了",
      "你好，{lane}口的側溝蓋不見了，一個洞在那邊，晚上很暗看不到，會有人踩空，請快處理"),
    T("ROAD-FLOOD", "letter", "側溝淤塞發出臭味",
      "您好：\n{street}{spot}附近的側溝已經很久沒清，裡面都是泥沙和垃圾，天氣熱的時候整條巷子都是臭味，"
      "下雨還會倒灌。請安排清溝，謝謝。\n附近居民"),
    # --- 垃圾清運 -------------------------------------------------------------------------
    T("ENV-GARBAGE", "phone", "{street}垃圾車未依時到達",
      "民眾來電反映：{street}{spot}的垃圾車原本晚上七點十分會到，這週已經兩次延到八點多才來，"
      "而且沒有放音樂就開走，民眾沒倒到垃圾。請清潔隊改善並確實依公告時間收運。"),
    T("ENV-GARBAGE", "chat", "路邊被亂丟垃圾",
      "您好，{addr}對面空地又被丟了一堆垃圾袋和舊家具，已經好幾天了開始發臭，有老鼠，麻煩清一下"),
    T("ENV-GARBAGE", "letter", "大型廢棄家具棄置巷口",
      "市長您好：\n{lane}口被人丟了一張舊沙發和床墊，已經放了快一個禮拜，占掉半個車道，"
      "下雨後都濕掉發臭。請清潔隊協助清運，並請考慮在這裡加裝監視器防止再有人亂丟。\n里民 敬上"),
    T("ENV-GARBAGE", "phone", "資源回收車漏收",
      "民眾來電表示：{street}這一段星期三的資源回收車沒有停，民眾拿著回收物在路口等了二十分鐘，"
      "請確認收運路線是否異動。"),
    T("ENV-GARBAGE", "chat", "狗大便沒人清",
      "{street}人行道上到處都是狗大便，每天上學都要閃，可以派人清理或是加強取締嗎？"),
    # --- 噪音 -----------------------------------------------------------------------------
    T("ENV-NOISE", "phone", "{street}工地清晨施工噪音",
      "民眾來電反映：{addr}旁的建築工地每天早上六點多就開始打樁，週末也施工，"
      "噪音非常大，家中有嬰兒無法入睡。請環保局派員稽查是否違反施工時段規定。"),
    T("ENV-NOISE", "letter", "餐廳排風機噪音擾鄰",
      "您好：\n我住在{street}{addr}樓上，一樓餐廳的排風機和冷氣室外機就裝在後巷，每天從中午運轉到半夜一點，"
      "嗡嗡聲整晚不停，窗戶關起來還是聽得到。已經跟店家反映過沒有改善，懇請派員檢測噪音。\n住戶 敬上"),
    T("ENV-NOISE", "chat", "半夜改裝車很吵",
      "你好，最近每天半夜十二點過後，{street}都有改裝車在那邊催油門飆車，吵到完全睡不著，拜託處理一下"),
    T("ENV-NOISE", "phone", "宣傳車音量過大",
      "民眾來電表示：{district}一帶這幾天有宣傳車用很大的音量來回廣播，{street}住宅區裡也一樣，"
      "請查明並依噪音管制規定處理。"),
    # --- 流浪動物 -------------------------------------------------------------------------
    T("ENV-ANIMAL", "phone", "{street}流浪犬追逐路人",
      "民眾來電反映：{spot}附近有四五隻流浪狗聚集，早上會追機車和學生，"
      "民眾的孩子被嚇到跌倒。請動物保護處派員協助捕捉或處理。"),
    T("ENV-ANIMAL", "chat", "有受傷的貓",
      "您好，{addr}騎樓下有一隻貓後腳好像受傷不能走，已經趴在那邊一天了，請問可以派人來救援嗎？"),
    T("ENV-ANIMAL", "letter", "公園餵食流浪狗造成環境髒亂",
      "市長您好：\n{street}附近公園每天都有人餵食流浪狗，飼料和剩菜丟滿地，招來很多蟑螂和老鼠，"
      "狗群晚上也會吠叫。希望相關單位能勸導餵食者並處理狗群。\n附近居民 敬上"),
    # --- 違規停車 -------------------------------------------------------------------------
    T("TRAF-PARKING", "phone", "{street}紅線違停嚴重",
      "民眾來電反映：{addr}前紅線每天下午都停滿車，還有貨車並排卸貨，"
      "公車無法靠站，乘客要走到路中間上車。請加強取締。"),
    T("TRAF-PARKING", "chat", "車子擋住我家車庫",
      "你好，有一台白色休旅車停在{lane}我家車庫門口一整天了，完全出不去，麻煩處理謝謝"),
    T("TRAF-PARKING", "letter", "人行道機車違停，行人無法通行",
      "您好：\n{street}{spot}一帶的人行道長期停滿機車，行人只能走車道，推嬰兒車更不可能過去。"
      "希望能規劃機車停車格並定期拖吊，還給行人一條路。\n市民 敬上"),
    T("TRAF-PARKING", "phone", "路口違停影響視線",
      "民眾來電表示：{street}與{lane}交叉路口轉角常有汽車違停，擋住轉彎視線，上週才發生擦撞。"
      "請派員取締並考慮劃設紅線。"),
    # --- 交通號誌 -------------------------------------------------------------------------
    T("TRAF-SIGNAL", "phone", "{street}路口紅綠燈故障",
      "民眾來電反映：{street}{spot}路口的紅綠燈從早上開始一直閃黃燈，尖峰時段車子搶著通過，"
      "很容易發生事故。請儘速派員搶修，必要時派員指揮交通。"),
    T("TRAF-SIGNAL", "letter", "行人號誌秒數太短",
      "市長您好：\n{street}路口的行人綠燈只有十幾秒，路面又很寬，老人家常常走到一半就變紅燈，"
      "只能站在分隔島上。懇請交通局重新檢討號誌時制，延長行人通行時間。\n市民 敬上"),
    T("TRAF-SIGNAL", "chat", "行人倒數燈不亮",
      "{street}{spot}那個路口的行人倒數燈壞了，完全不知道還剩幾秒，麻煩修一下"),
    # --- 違建 -----------------------------------------------------------------------------
    T("BLDG-ILLEGAL", "letter", "{street}頂樓加蓋違建檢舉",
      "您好：\n{addr}的頂樓最近在加蓋鐵皮屋，每天敲敲打打，看起來是要隔成套房出租。"
      "擔心結構安全和消防問題，請建管單位派員查報是否為違章建築。\n鄰居 敬上"),
    T("BLDG-ILLEGAL", "phone", "騎樓違規搭建鐵皮",
      "民眾來電反映：{street}{addr}一樓店家把騎樓用鐵皮和鋁門窗圍起來當倉庫，"
      "行人只能走到車道上。請派員查處並恢復騎樓通行。"),
    T("BLDG-ILLEGAL", "chat", "陽台外推加蓋",
      "您好，{lane}有一戶正在把陽台外推，還搭到防火巷上面，請問可以派人來看嗎"),
    # --- 社會福利 -------------------------------------------------------------------------
    T("SOC-AID", "phone", "獨居長者需要關懷",
      "民眾來電表示：鄰居是一位八十多歲的獨居阿伯，住在{street}附近，最近好幾天沒看到他出門，"
      "按門鈴有回應但說腳痛走不動。民眾擔心他沒人照顧，請社會局派員訪視。"),
    T("SOC-AID", "letter", "家中遭逢變故請求急難協助",
      "您好：\n我先生上個月工作時受傷住院，家裡兩個孩子還在念國小，房租和醫藥費都付不出來。"
      "請問有沒有急難救助可以申請，需要準備哪些文件？\n陳情人 敬上"),
    # --- 首長信箱（一般陳情，由受理人員分文）-------------------------------------------------
    T("GEN-MAILBOX", "letter", "建議{street}增設公車候車亭",
      "市長您好：\n{street}{spot}的公車站牌每天早上有很多學生和長輩等車，但沒有候車亭，"
      "下雨天只能撐傘站在路邊，夏天又很曬。希望能評估增設候車亭和座椅。\n敬祝 平安\n市民 敬上", "TRAF-PARK"),
    T("GEN-MAILBOX", "letter", "運動中心收費與開放時間建議",
      "您好：\n{district}運動中心游泳池平日晚上九點就關閉，上班族很難使用；"
      "另外長者優惠只限上午時段，希望能檢討放寬。謝謝。\n市民 敬上", "RDEC-SVC"),
    T("GEN-MAILBOX", "chat", "{district}公所停車場收費問題",
      "請問{district}公所旁邊的停車場是不是換了收費方式？現在只能用悠遊卡，沒有人可以問，很不方便", "DO-ZS-CIV"),
    T("GEN-MAILBOX", "letter", "建議公園增設共融遊具",
      "市長您好：\n{street}附近的公園遊具很舊，只有一座溜滑梯。很多家長希望能改成共融式遊戲場，"
      "讓身障的孩子也能一起玩。懇請納入明年度的改善計畫。\n家長 敬上", "PWD-LIGHT"),
    T("GEN-MAILBOX", "phone", "里民活動中心冷氣故障",
      "民眾來電反映：{district}{street}的里民活動中心冷氣壞了兩個月，長輩的社區課程都在裡面上，"
      "天氣熱很難受，請協助修繕。", "DO-ZS-CIV"),
    # --- 表揚與建議 -----------------------------------------------------------------------
    T("GEN-PRAISE", "letter", "感謝{district}清潔隊員熱心協助",
      "市長您好：\n上週我在{street}倒垃圾時不小心把錢包一起丟進垃圾車，清潔隊員二話不說幫我翻找，"
      "最後找回來了。想表揚這位隊員的熱心，也謝謝清潔隊辛苦了。\n市民 敬上", "EPB-CLEAN"),
    T("GEN-PRAISE", "chat", "謝謝路燈很快修好",
      "上次反映{street}路燈不亮，隔天晚上就修好了，效率很好，謝謝！", "PWD-LIGHT"),
    T("GEN-PRAISE", "letter", "稱讚{district}公所櫃檯服務",
      "您好：\n昨天到{district}公所辦理戶籍謄本，櫃檯的小姐很有耐心地教我母親填表，"
      "還主動協助影印。特此來信表達感謝。\n市民 敬上", "DO-ZS-CIV"),
    # --- English --------------------------------------------------------------------------
    T("LIGHT-OUT", "en", "Street light out on {street}",
      "Hello, the street light outside {addr} ({district}) has been out for about a week. "
      "The pavement is very dark at night and I walk home from the MRT around 10 pm. "
      "Could someone please fix it? Thank you."),
    T("ROAD-POTHOLE", "en", "Deep pothole on {street}",
      "Dear Sir or Madam, there is a deep pothole in the scooter lane near {spot} on {street}. "
      "I saw two riders swerve around it this morning. It fills with water when it rains, so it is hard to see. "
      "Please repair it as soon as possible."),
    T("ENV-NOISE", "en", "Construction noise before 7 am",
      "Hi, the construction site next to {addr} starts drilling before 7 am every day, including Saturdays. "
      "I understand work has to be done, but is this within the permitted hours? "
      "I would appreciate an inspection."),
    T("ENV-GARBAGE", "en", "Question about the garbage truck schedule",
      "Hello, I moved to {district} last month and I am not sure when the garbage and recycling trucks come to {street}. "
      "The truck I waited for yesterday did not stop at my corner. Is there an English schedule? Thanks."),
    T("TRAF-PARKING", "en", "Cars parked on the red line at the bus stop",
      "Every afternoon cars and delivery vans park on the red line at the bus stop on {street}, "
      "so buses stop in the middle of the road and passengers have to walk into traffic. "
      "Please enforce the parking rules here."),
    T("ROAD-SIDEWALK", "en", "Broken paving on the sidewalk",
      "Several paving stones on the sidewalk near {addr} are loose and rocking. An elderly neighbour tripped there last week. "
      "Could the city repair this section?"),
    T("ENV-ANIMAL", "en", "Injured stray dog",
      "There is an injured stray dog lying near {spot} on {street}. It cannot stand on its back leg. "
      "Is there an animal rescue service that can help?"),
    T("TRAF-SIGNAL", "en", "Pedestrian signal too short",
      "The pedestrian green light at the crossing on {street} is too short for older people and parents with strollers. "
      "Could the timing be reviewed?"),
    T("GEN-PRAISE", "en", "Thank you to the district office staff",
      "I just want to say thank you to the staff at the {district} office who helped me with my residence paperwork. "
      "They were patient and explained everything in English.", "DO-ZS-CIV"),
    T("LIGHT-PARK", "en", "Broken swing in the neighbourhood park",
      "One of the swings in the small park off {street} has a broken chain and is hanging at an angle. "
      "Children still try to use it. Please repair or remove it."),
)

# What the handling officer writes back, by category (ReplyTemplate bodies: {number}, {subject}).
REPLY_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("LIGHT", "路燈已修復",
     "您好：有關您反映「{subject}」（案號 {number}）一案，本處已派員於現場檢修，更換故障燈具及安定器，"
     "目前已恢復正常照明。日後如再發現路燈故障，歡迎撥打1999或透過首長信箱反映。感謝您的關心。"),
    ("LIGHT", "公園設施已修繕",
     "您好：有關「{subject}」（案號 {number}）一案，本處已派員現場勘查並完成修繕，"
     "修繕期間已設置警示圍籬。本處將持續加強巡查，維護遊憩安全。謝謝您的反映。"),
    ("LIGHT-TREE", "行道樹已處理",
     "您好：有關「{subject}」（案號 {number}）一案，本處已派員前往處理，完成修剪及扶正作業，"
     "並將列入颱風季前重點巡查路段。感謝您的反映。"),
    ("ROAD", "坑洞已修補",
     "您好：有關您反映「{subject}」（案號 {number}）一案，本局已派員於現場完成坑洞修補，"
     "並將持續列管巡查。如因管線單位施工造成，已函請該單位依規定辦理路面修復。謝謝您的來信。"),
    ("ROAD", "人行道已改善",
     "您好：有關「{subject}」（案號 {number}）一案，本局已派員更換鬆動地磚並整平路面，"
     "日後將加強巡查。造成不便，敬請見諒。"),
    ("ENV", "垃圾已清除",
     "您好：有關「{subject}」（案號 {number}）一案，本局清潔隊已派員清除並消毒，"
     "並已加強該路段巡查及違規棄置取締。感謝您共同維護環境整潔。"),
    ("ENV-NOISE", "噪音稽查結果",
     "您好：有關「{subject}」（案號 {number}）一案，本局已派員於陳情時段至現場稽查並進行噪音量測，"
     "已要求業者改善並將不定期複查；如量測結果超過管制標準，將依噪音管制法處分。謝謝您的反映。"),
    ("TRAF", "違停已加強取締",
     "您好：有關「{subject}」（案號 {number}）一案，本局已通知轄區員警及拖吊單位列為加強取締路段，"
     "並將評估增設停車格位與標線。感謝您的建議。"),
    ("GEN", "一般答復",
     "您好：有關您來信「{subject}」（案號 {number}）一案，本府已交由權責單位研議辦理，"
     "相關意見將作為後續施政參考。感謝您對市政的關心。"),
)

# Keyword rules (phrase, category code, department code) that turn chatter into leads.
KEYWORD_RULES: tuple[tuple[str, str, str], ...] = (
    ("路燈", "LIGHT-OUT", "PWD-LIGHT"),
    ("坑洞", "ROAD-POTHOLE", "PWD-ROAD"),
    ("積水", "ROAD-FLOOD", "PWD-ROAD"),
    ("垃圾", "ENV-GARBAGE", "EPB-CLEAN"),
    ("噪音", "ENV-NOISE", "EPB-NOISE"),
    ("違停", "TRAF-PARKING", "TRAF-PARK"),
    ("路樹", "LIGHT-TREE", "PWD-LIGHT"),
)

# Incidents: many reports of one event (title, category, district, street index, how many).
INCIDENTS: tuple[tuple[str, str, str, str, int], ...] = (
    ("汀州路三段自來水管破裂路面塌陷", "ROAD-POTHOLE", "中正區", "汀州路三段", 4),
    ("內湖路一段整排路燈不亮", "LIGHT-OUT", "內湖區", "內湖路一段", 3),
)
INCIDENT_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "ROAD-POTHOLE": (
        ("{street}水管破裂，路面下陷", "民眾來電反映：{addr}前一早就看到路面冒水，現在柏油已經下陷一塊，車子都在閃，請儘速處理。"),
        ("{street}路面塌陷很危險", "你好，{street}{spot}那邊路面塌了一個洞，好像是水管破掉，水一直流出來，請快派人。"),
        ("{street}漏水路面隆起", "市長您好：\n今天上班經過{street}，路面隆起且有大量積水，疑似地下管線破裂，請相關單位儘速搶修。\n市民 敬上"),
        ("{street}道路塌陷請搶修", "民眾來電表示：{addr}附近路面塌陷，已有機車騎士摔倒，請派員設置警示並搶修。"),
    ),
    "LIGHT-OUT": (
        ("{street}整排路燈不亮", "民眾來電反映：{street}從{spot}到下一個路口整排路燈昨晚都沒亮，路段很暗，請派員檢修。"),
        ("{street}路燈全暗", "您好，{street}今天晚上路燈全部都暗的，騎車經過很危險，麻煩處理。"),
        ("{street}一整段沒有路燈", "市長您好：\n昨晚{street}一整段路燈都沒亮，疑似線路故障，請派員查修。\n市民 敬上"),
    ),
}

# A lead nobody asked for yet: what people post in groups and forums (text, category hint).
GROUP_MESSAGES: tuple[str, ...] = (
    "各位里民好，{street}{spot}那盞路燈又不亮了，已經好幾天，晚上大家出門要小心。",
    "報告里長，{lane}口的垃圾堆了一週都沒人收，味道很重，麻煩幫忙反映。",
    "今天下午大雨，{street}又積水了，水淹到人行道，小朋友放學很難走。",
    "{street}那邊有人半夜施工，噪音很大，請問有沒有人也被吵到？",
    "里長好，{addr}前面的坑洞越來越大，剛剛有阿嬤騎腳踏車差點跌倒。",
    "明天上午九點里民活動中心有免費健康檢查，歡迎大家參加。",
)
FEED_ITEMS: tuple[tuple[str, str], ...] = (
    ("[問卦] {district}{street}的路燈是不是壞很久了", "每天晚上經過{street}都黑漆漆的，路燈好像壞了一個多月，有沒有人反映過？"),
    ("{district}豪雨積水 {street}一帶淹至腳踝", "午後雷陣雨造成{district}多處積水，{street}一帶積水深及腳踝，居民抱怨側溝久未清疏。"),
    ("[爆卦] {street}垃圾堆成山 清潔隊沒來收", "{street}路邊垃圾已經堆了好幾天，附近居民說打電話反映也沒用。"),
    ("{district}工地清晨施工噪音 居民不堪其擾", "{street}一處建案工地清晨即開始施工，居民指出噪音影響作息，盼環保單位稽查。"),
    ("市府公布明年度人行道改善計畫", "市府今日公布明年度人行道改善計畫，將優先改善學校及捷運站周邊路段。"),
    ("[心得] 在{district}公所辦事的經驗", "今天去{district}公所辦事，櫃檯人員很親切，半小時就辦好了。"),
)
