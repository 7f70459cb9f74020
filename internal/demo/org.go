package demo

// rootName is the name of the group at the top of the tree.
const rootName = "江苏海港集团"

// emailDomain is the (reserved, non-routable) domain of staff e-mail.
const emailDomain = "hg-group.example.cn"

// unitSpec describes one department template.
type unitSpec struct {
	name    string
	head    string     // title of the head
	deputy  string     // title of deputies, "" for none
	weight  float64    // relative staff size (sub-units only)
	male    float64    // share of men
	office  float64    // chance a staff member has an office phone
	titles  []weighted // staff titles
	inOrder bool       // hand out titles in list order instead of by weight
}

// divisionSpec describes a second-level department and its sub-units.
type divisionSpec struct {
	unitSpec
	core     bool       // always present
	required int        // leading sub-units that are always present
	subs     []unitSpec // candidate sub-units in display order
}

// rootSpec is the group headquarters.
var rootSpec = unitSpec{
	name: rootName, head: "总经理", deputy: "副总经理", male: 0.6, office: 0.9, inOrder: true,
	titles: []weighted{{"总经理助理", 1}, {"董事会秘书", 1}, {"秘书", 1}, {"法务专员", 1}},
}

// portWorkers are the staff titles of a wharf operating area.
var portWorkers = []weighted{
	{"操作工", 40}, {"装卸工", 20}, {"门机司机", 10}, {"理货员", 8},
	{"班组长", 8}, {"安全员", 4}, {"技术员", 3}, {"调度员", 3},
}

// divisions are the candidate second-level departments, in display order.
var divisions = []divisionSpec{
	{
		unitSpec: unitSpec{name: "生产运营部", head: "部长", deputy: "副部长", male: 0.8, office: 0.8,
			titles: []weighted{{"生产主管", 3}, {"调度员", 4}, {"统计员", 2}, {"计划员", 2}}},
		core: true, required: 2,
		subs: []unitSpec{
			{name: "一号码头作业区", head: "主任", deputy: "副主任", weight: 10, male: 0.92, office: 0.12, titles: portWorkers},
			{name: "二号码头作业区", head: "主任", deputy: "副主任", weight: 9, male: 0.92, office: 0.12, titles: portWorkers},
			{name: "集装箱作业区", head: "主任", deputy: "副主任", weight: 8, male: 0.9, office: 0.12,
				titles: []weighted{{"操作工", 30}, {"桥吊司机", 12}, {"集卡司机", 12}, {"理货员", 8}, {"班组长", 7}, {"安全员", 4}, {"调度员", 3}}},
			{name: "生产调度中心", head: "主任", deputy: "副主任", weight: 2.5, male: 0.7, office: 0.85,
				titles: []weighted{{"调度员", 10}, {"值班长", 3}, {"统计员", 2}, {"计划员", 2}}},
			{name: "装卸机械队", head: "队长", deputy: "副队长", weight: 5, male: 0.95, office: 0.15,
				titles: []weighted{{"操作工", 10}, {"叉车司机", 10}, {"门机司机", 8}, {"班组长", 3}, {"机修工", 3}}},
			{name: "理货班组", head: "班组长", weight: 3, male: 0.6, office: 0.1,
				titles: []weighted{{"理货员", 10}, {"操作工", 2}}},
		},
	},
	{
		unitSpec: unitSpec{name: "安全环保部", head: "部长", deputy: "副部长", male: 0.7, office: 0.85,
			titles: []weighted{{"安全工程师", 3}, {"安全员", 3}, {"环保专员", 1}}},
		core: true, required: 1,
		subs: []unitSpec{
			{name: "安全监察科", head: "科长", deputy: "副科长", weight: 2, male: 0.8, office: 0.6,
				titles: []weighted{{"安全员", 8}, {"安全工程师", 4}, {"注册安全工程师", 1}}},
			{name: "应急管理科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.7, office: 0.7,
				titles: []weighted{{"应急管理专员", 4}, {"值班员", 4}, {"安全员", 2}}},
			{name: "环境保护科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.55, office: 0.7,
				titles: []weighted{{"环保专员", 4}, {"环境监测员", 4}}},
			{name: "专职消防队", head: "队长", deputy: "副队长", weight: 2.5, male: 0.98, office: 0.2,
				titles: []weighted{{"消防员", 10}, {"消防车司机", 3}, {"班组长", 1}}},
		},
	},
	{
		unitSpec: unitSpec{name: "设备工程部", head: "部长", deputy: "副部长", male: 0.85, office: 0.8,
			titles: []weighted{{"工程师", 4}, {"技术员", 2}, {"设备主管", 1}}},
		core: true, required: 1,
		subs: []unitSpec{
			{name: "机械维修车间", head: "主任", deputy: "副主任", weight: 5, male: 0.95, office: 0.15,
				titles: []weighted{{"机修工", 10}, {"钳工", 6}, {"焊工", 5}, {"班组长", 3}, {"工程师", 2}, {"技术员", 2}}},
			{name: "电气维修班组", head: "班组长", weight: 3, male: 0.92, office: 0.15,
				titles: []weighted{{"电工", 10}, {"电气工程师", 2}, {"技术员", 2}}},
			{name: "工程管理科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.75, office: 0.7,
				titles: []weighted{{"工程师", 6}, {"技术员", 3}, {"造价员", 2}, {"资料员", 1}}},
			{name: "设备管理科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.8, office: 0.7,
				titles: []weighted{{"设备管理员", 4}, {"工程师", 4}, {"技术员", 2}}},
		},
	},
	{
		unitSpec: unitSpec{name: "人力资源部", head: "部长", deputy: "副部长", male: 0.4, office: 0.9,
			titles: []weighted{{"人事专员", 5}}},
		core: true, required: 1,
		subs: []unitSpec{
			{name: "招聘培训科", head: "科长", deputy: "副科长", weight: 1, male: 0.35, office: 0.8,
				titles: []weighted{{"招聘专员", 3}, {"培训专员", 3}, {"人事专员", 2}}},
			{name: "薪酬绩效科", head: "科长", deputy: "副科长", weight: 1, male: 0.35, office: 0.8,
				titles: []weighted{{"薪酬专员", 3}, {"绩效专员", 2}, {"人事专员", 2}}},
			{name: "员工关系科", head: "科长", deputy: "副科长", weight: 0.8, male: 0.4, office: 0.8,
				titles: []weighted{{"人事专员", 4}, {"劳动关系专员", 2}, {"档案管理员", 1}}},
		},
	},
	{
		unitSpec: unitSpec{name: "财务部", head: "部长", deputy: "副部长", male: 0.35, office: 0.9,
			titles: []weighted{{"会计", 4}, {"财务主管", 1}}},
		core: true, required: 1,
		subs: []unitSpec{
			{name: "会计核算科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.3, office: 0.8,
				titles: []weighted{{"会计", 8}, {"出纳", 2}, {"成本会计", 2}}},
			{name: "资金管理科", head: "科长", deputy: "副科长", weight: 1, male: 0.35, office: 0.8,
				titles: []weighted{{"出纳", 3}, {"资金专员", 3}, {"会计", 2}}},
			{name: "审计科", head: "科长", deputy: "副科长", weight: 0.8, male: 0.45, office: 0.8,
				titles: []weighted{{"审计员", 4}, {"会计", 1}}},
			{name: "预算管理科", head: "科长", deputy: "副科长", weight: 0.8, male: 0.4, office: 0.8,
				titles: []weighted{{"预算专员", 3}, {"会计", 2}}},
		},
	},
	{
		unitSpec: unitSpec{name: "信息技术部", head: "部长", deputy: "副部长", male: 0.75, office: 0.9,
			titles: []weighted{{"工程师", 3}, {"项目经理", 1}}},
		required: 1,
		subs: []unitSpec{
			{name: "系统运维科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.8, office: 0.8,
				titles: []weighted{{"运维工程师", 6}, {"网络工程师", 3}, {"值班员", 2}}},
			{name: "软件开发科", head: "科长", deputy: "副科长", weight: 1.5, male: 0.7, office: 0.8,
				titles: []weighted{{"软件工程师", 8}, {"测试工程师", 3}, {"产品经理", 1}}},
			{name: "信息安全科", head: "科长", deputy: "副科长", weight: 0.8, male: 0.75, office: 0.8,
				titles: []weighted{{"信息安全工程师", 4}, {"运维工程师", 1}}},
			{name: "通信保障班组", head: "班组长", weight: 1, male: 0.9, office: 0.3,
				titles: []weighted{{"通信工", 6}, {"电工", 2}}},
		},
	},
	{
		unitSpec: unitSpec{name: "后勤保障部", head: "部长", deputy: "副部长", male: 0.55, office: 0.85,
			titles: []weighted{{"行政专员", 3}, {"采购员", 1}}},
		required: 1,
		subs: []unitSpec{
			{name: "车队", head: "队长", deputy: "副队长", weight: 2, male: 0.97, office: 0.1,
				titles: []weighted{{"司机", 12}, {"调度员", 2}, {"修理工", 2}}},
			{name: "职工食堂", head: "主任", deputy: "副主任", weight: 2, male: 0.45, office: 0.1,
				titles: []weighted{{"厨师", 5}, {"帮厨", 6}, {"保洁员", 2}, {"采购员", 1}}},
			{name: "物业管理科", head: "科长", deputy: "副科长", weight: 2, male: 0.55, office: 0.2,
				titles: []weighted{{"保安", 6}, {"保洁员", 5}, {"维修工", 3}, {"绿化工", 2}}},
			{name: "综合办公室", head: "主任", deputy: "副主任", weight: 1, male: 0.35, office: 0.9,
				titles: []weighted{{"行政专员", 4}, {"文员", 3}, {"档案管理员", 1}}},
		},
	},
	{
		unitSpec: unitSpec{name: "医务室", head: "主任", deputy: "副主任", male: 0.35, office: 0.9,
			titles: []weighted{{"医生", 2}, {"护士", 3}}},
		required: 1,
		subs: []unitSpec{
			{name: "门诊组", head: "组长", weight: 1.5, male: 0.35, office: 0.6,
				titles: []weighted{{"护士", 7}, {"医生", 5}, {"药剂师", 2}, {"检验师", 1}}},
			{name: "职业健康组", head: "组长", weight: 1, male: 0.4, office: 0.6,
				titles: []weighted{{"医生", 3}, {"护士", 3}, {"体检专员", 2}}},
			{name: "急救站", head: "站长", weight: 1, male: 0.5, office: 0.4,
				titles: []weighted{{"护士", 4}, {"医生", 3}, {"司机", 2}}},
		},
	},
}

// titleMale overrides the unit's share of men for strongly gendered jobs.
var titleMale = map[string]float64{
	"护士": 0.06, "司机": 0.97, "消防员": 1, "消防车司机": 1, "门机司机": 0.95,
	"桥吊司机": 0.95, "集卡司机": 0.97, "叉车司机": 0.95, "焊工": 0.98, "保安": 0.95,
}

// orgContactSpec describes one contact of an external organization.
type orgContactSpec struct {
	desk     string // fixed name such as 值班室; "" for a generated person
	role     string
	landline bool
	email    string // mailbox local part, "" for none
	primary  bool
	h24      bool
	optional bool
}

// orgSpec describes an external organization.
type orgSpec struct {
	name, kind, domain string
	optional           bool
	contacts           []orgContactSpec
}

// externalOrgs are the external organizations, in display order.
var externalOrgs = []orgSpec{
	{name: "连云港市应急管理局", kind: "government", domain: "lyg-emergency.example.cn", contacts: []orgContactSpec{
		{desk: "总值班室", role: "duty", landline: true, primary: true, h24: true},
		{role: "compliance", email: "hazmat", landline: false},
		{role: "executive", email: "office", landline: true, optional: true},
	}},
	{name: "连云港市第一人民医院", kind: "hospital", domain: "lyg-hospital1.example.cn", contacts: []orgContactSpec{
		{desk: "急诊科", role: "duty", landline: true, primary: true, h24: true},
		{role: "business", email: "checkup", optional: true},
	}},
	{name: "连云港市连云区消防救援大队", kind: "fire_brigade", domain: "lyg-fire.example.cn", contacts: []orgContactSpec{
		{desk: "值班室", role: "duty", landline: true, primary: true, h24: true},
		{role: "compliance", optional: true},
	}},
	{name: "江苏恒通国际物流有限公司", kind: "customer", domain: "hengtong-logistics.example.cn", contacts: []orgContactSpec{
		{role: "business", email: "sales", primary: true},
		{role: "duty", h24: true},
		{role: "legal", email: "legal", landline: true, optional: true},
	}},
	{name: "连云港华力港机设备有限公司", kind: "supplier", domain: "huali-crane.example.cn", contacts: []orgContactSpec{
		{role: "business", email: "service", primary: true},
		{role: "technical", email: "support", h24: true, optional: true},
	}},
	{name: "连云港安泰保安服务有限公司", kind: "service_provider", domain: "antai-security.example.cn", optional: true, contacts: []orgContactSpec{
		{role: "business", email: "contact", primary: true},
		{desk: "调度中心", role: "duty", landline: true, h24: true, optional: true},
	}},
	{name: "连云区墟沟街道海滨社区居委会", kind: "community", domain: "haibin-shequ.example.cn", optional: true, contacts: []orgContactSpec{
		{role: "executive", primary: true},
		{role: "duty", landline: true, optional: true},
	}},
}
