package roster

// Kinds lists the roster kinds (SPEC §2).
func Kinds() []string {
	return []string{"leading_group", "rescue", "medical", "communications", "logistics", "aftermath", "external_liaison", "fire", "customer_duty"}
}

// ReviewFrequencies lists the review frequencies a roster may have ("" for none yet).
func ReviewFrequencies() []string { return []string{"monthly", "quarterly", "semiannual"} }

// Template is a usual emergency group with its suggested duties (应急职责). Creating a
// roster from a template takes its kind, name (unless given) and description; the duties
// are suggestions for the members the owners add.
type Template struct {
	Key         string   `json:"key"`
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	NameEn      string   `json:"name_en"`
	Description string   `json:"description"`
	Duties      []string `json:"duties"`
}

// Templates lists the usual emergency organization (应急组织机构) and the customer duty list.
func Templates() []Template {
	return []Template{
		{"leading_group", "leading_group", "应急领导小组", "Emergency leading group",
			"统一领导、指挥和协调突发事件应急处置工作，决定启动和终止应急响应。",
			[]string{"组长：全面负责应急指挥，决定启动和终止应急响应", "副组长：协助组长指挥，组长不在时代行职责", "成员：负责本部门应急处置工作的组织落实", "应急办公室：信息汇总上报、联络协调、值班值守"}},
		{"rescue", "rescue", "抢险救援组", "Rescue group",
			"负责现场抢险、人员搜救、险情控制和事故现场警戒。",
			[]string{"组长：组织现场抢险救援", "现场抢险：控制险情，防止事态扩大", "人员搜救：搜寻、转移被困和受伤人员", "现场警戒：设置警戒区，疏散无关人员"}},
		{"medical", "medical", "医疗救护组", "Medical group",
			"负责受伤人员的现场急救、转运和与医院的联络。",
			[]string{"组长：组织医疗救护", "现场急救：对伤员进行止血、包扎、心肺复苏等急救", "伤员转运：联系120并护送伤员就医", "医院联络：跟踪救治情况并报告"}},
		{"communications", "communications", "通讯联络组", "Communications group",
			"负责应急通讯保障、信息传递和对内对外联络。",
			[]string{"组长：保障应急通讯畅通", "信息传递：及时传达指挥部指令", "信息报送：按规定时限向上级和政府部门报告", "通讯保障：保障电话、对讲、网络等通讯设备"}},
		{"logistics", "logistics", "后勤保障组", "Logistics group",
			"负责应急物资、车辆、资金和生活保障。",
			[]string{"组长：组织后勤保障", "物资保障：调配应急物资和装备", "车辆保障：调度应急车辆", "生活保障：安排救援人员食宿"}},
		{"aftermath", "aftermath", "善后处理组", "Aftermath group",
			"负责伤亡人员家属安抚、理赔、恢复生产和事故调查配合。",
			[]string{"组长：组织善后处理", "家属安抚：接待和安抚伤亡人员家属", "保险理赔：办理保险理赔事宜", "恢复生产：组织清理现场和恢复生产"}},
		{"external_liaison", "external_liaison", "外部联络组", "External liaison group",
			"负责与政府部门、应急管理局、消防、医院、社区和媒体的联络。",
			[]string{"组长：统筹对外联络", "政府联络：与应急管理局等政府部门联络", "救援力量联络：联系消防、医院等外部救援力量", "舆情应对：统一对外信息发布口径"}},
		{"customer_duty", "customer_duty", "客户值班联络表", "Customer duty list",
			"客户方业务、技术、法务、合规联系人，每项职责一名主联系人、至少一名备份联系人，24小时可联系。",
			[]string{"业务联系人（主）：24小时可联系", "业务联系人（备）：24小时可联系", "技术联系人（主）：24小时可联系", "技术联系人（备）：24小时可联系", "法务联系人（主）", "法务联系人（备）", "合规联系人（主）", "合规联系人（备）"}},
	}
}

func templateByKey(key string) (Template, bool) {
	for _, t := range Templates() {
		if t.Key == key {
			return t, true
		}
	}
	return Template{}, false
}
