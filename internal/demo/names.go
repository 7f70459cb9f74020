package demo

import "strings"

// surnames holds common Chinese surnames with approximate frequencies
// (per 10,000 people), followed by a few compound surnames.
var surnames = []weighted{
	{"王", 725}, {"李", 719}, {"张", 683}, {"刘", 538}, {"陈", 453},
	{"杨", 308}, {"赵", 229}, {"黄", 223}, {"吴", 205}, {"周", 195},
	{"徐", 180}, {"孙", 160}, {"马", 145}, {"朱", 140}, {"胡", 131},
	{"郭", 113}, {"何", 106}, {"林", 102}, {"高", 100}, {"罗", 92},
	{"梁", 80}, {"郑", 78}, {"谢", 70}, {"许", 66}, {"宋", 62},
	{"唐", 62}, {"韩", 60}, {"冯", 58}, {"邓", 57}, {"曹", 57},
	{"彭", 54}, {"曾", 50}, {"肖", 48}, {"田", 47}, {"董", 47},
	{"袁", 45}, {"潘", 45}, {"于", 45}, {"蒋", 44}, {"蔡", 43},
	{"余", 43}, {"杜", 41}, {"叶", 40}, {"程", 40}, {"苏", 37},
	{"魏", 37}, {"吕", 37}, {"丁", 37}, {"沈", 36}, {"任", 35},
	{"姚", 33}, {"卢", 33}, {"姜", 32}, {"崔", 31}, {"钟", 30},
	{"谭", 29}, {"陆", 29}, {"汪", 28}, {"范", 28}, {"金", 27},
	{"石", 27}, {"廖", 26}, {"贾", 26}, {"夏", 25}, {"韦", 24},
	{"付", 24}, {"方", 24}, {"白", 23}, {"邹", 23}, {"孟", 23},
	{"熊", 22}, {"秦", 22}, {"邱", 22}, {"江", 21}, {"尹", 21},
	{"薛", 20}, {"闫", 20}, {"段", 20}, {"雷", 19}, {"侯", 19},
	{"龙", 18}, {"史", 18}, {"陶", 17}, {"黎", 17}, {"贺", 17},
	{"顾", 17}, {"毛", 16}, {"郝", 16}, {"龚", 16}, {"邵", 16},
	{"万", 15}, {"钱", 15}, {"严", 15}, {"武", 14}, {"戴", 14},
	{"孔", 12}, {"汤", 12}, {"莫", 12}, {"向", 12}, {"葛", 11},
	{"欧阳", 4}, {"司马", 1}, {"上官", 1}, {"诸葛", 1}, {"司徒", 1},
}

// rareSurnames are less common surnames, roughly by decreasing frequency;
// together they make up about a seventh of the population.
const rareSurnames = "常乔赖文牛樊邢安齐易伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

// allSurnames returns the common and rare surnames with their weights.
func allSurnames() []weighted {
	rare := []rune(rareSurnames)
	out := append([]weighted(nil), surnames...)
	for i, r := range rare {
		out = append(out, weighted{string(r), 14 - 9*i/len(rare)})
	}
	return out
}

// maleChars are characters common in men's given names.
var maleChars = strings.Split("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信杰涛昌成康星光天达安岩中茂进林有坚和博诚先敬震振会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦奇鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士建家致树德行时泰盛雄琛钧冠策腾楠风航弘宇轩睿凯", "")

// femaleChars are characters common in women's given names.
var femaleChars = strings.Split("秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红玲芬芳燕彩春菊兰凤洁梅琳素云莲真雪荣爱霞香月媛艳瑞佳嘉琼勤珍莉桂璐琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓仪丹蓉君琴蕊薇菁梦岚馨韵悦昭冰爽欣晓欢芸菲亚宜可舒丽妮宁敏敬文", "")

// newName returns a full name: a surname plus a one- or two-character
// given name; women occasionally get a reduplicated name such as 婷婷.
func (g *generator) newName(surname string, male bool) string {
	chars := femaleChars
	if male {
		chars = maleChars
	}
	a := chars[g.r.IntN(len(chars))]
	if g.r.IntN(100) < 18 {
		return surname + a
	}
	if !male && g.r.IntN(100) < 4 {
		return surname + a + a
	}
	b := chars[g.r.IntN(len(chars))]
	for b == a {
		b = chars[g.r.IntN(len(chars))]
	}
	return surname + a + b
}

// seniorRelations weights emergency-contact relations for long-serving staff.
var seniorRelations = []weighted{
	{"配偶", 55}, {"子女", 15}, {"兄弟", 8}, {"姐妹", 8}, {"父亲", 4}, {"母亲", 6}, {"朋友", 4},
}

// juniorRelations weights emergency-contact relations for recent hires.
var juniorRelations = []weighted{
	{"配偶", 30}, {"母亲", 25}, {"父亲", 20}, {"兄弟", 8}, {"姐妹", 8}, {"朋友", 6}, {"子女", 3},
}

// surname draws a surname.
func (g *generator) surname() string { return surnameList[surnameTable.pick(g.r)].s }
