package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// CreateUsers adds users directly in the store. Names are lower-cased and
// must be valid usernames; users that already exist are left as they are.
func (s *Sandbox) CreateUsers(ctx context.Context, usernames ...string) error {
	names := make([]string, len(usernames))
	for i, u := range usernames {
		names[i] = normalizeUsername(u)
		if !validUsername(names[i]) {
			return fmt.Errorf("sandbox: create users: %q is not a valid username (1-%d of a-z, 0-9, '_', '-', '.')", u, maxUsernameLen)
		}
	}
	_, err := s.store.createUsers(ctx, names, s.nowMs(), true)
	return err
}

// BulkCreateGroups inserts n groups owned by owner (an existing user) in one
// transaction, for benchmarks. Each group also gets membersPerGroup members,
// the users "bulk.member00001"…, created when missing. maxusers is 200, or
// members+1 if larger, whatever the plan cap.
func (s *Sandbox) BulkCreateGroups(ctx context.Context, n int, owner string, membersPerGroup int) error {
	if n < 0 || membersPerGroup < 0 {
		return fmt.Errorf("sandbox: bulk create groups: n (%d) and membersPerGroup (%d) must not be negative", n, membersPerGroup)
	}
	owner = normalizeUsername(owner)
	members := make([]string, membersPerGroup)
	for i := range members {
		members[i] = fmt.Sprintf("bulk.member%05d", i+1)
	}
	now := s.nowMs()
	if _, err := s.store.createUsers(ctx, members, now, true); err != nil {
		return err
	}
	err := s.store.write(ctx, func(tx *sql.Tx) error {
		if err := requireUsers(ctx, tx, owner); err != nil {
			return err
		}
		first, err := nextGroupIDs(ctx, tx, now, n)
		if err != nil {
			return err
		}
		ins, err := newGroupInserter(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		for i := range n {
			g := groupRow{
				ID: first + int64(i), Name: fmt.Sprintf("bulk group %d", i+1), Owner: owner,
				MaxUsers: max(defaultMaxUsers, membersPerGroup+1), InviteNeedConfirm: true,
				Created: now, Modified: now, MemberCount: membersPerGroup + 1,
			}
			if err := ins.add(ctx, &g, members, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sandbox: bulk create groups: %w", err)
	}
	return nil
}

// Demo data. Named users own the groups; numbered users fill them.
var (
	demoNamedUsers = []string{
		"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki",
		"chen.wei", "li.na", "wang.fang", "zhang.wei", "liu.yang", "zhao.lei", "huang.min", "wu.jing", "zhou.jie", "xu.ming",
		"sun.li", "ma.chao", "hu.xin", "guo.qiang", "lin.tao", "he.yun", "gao.feng", "luo.bin", "zheng.hao", "song.jia",
	}
	demoNumberedUsers = 1200

	demoGroups = []struct{ name, desc string }{
		{"All Hands 全员大会", "Company-wide announcements. 全员公告，请勿闲聊。"},
		{"Product Launch 2025", "Coordination for the spring launch"},
		{"后端开发组", "后端服务、数据库与接口讨论"},
		{"Design Review", "Weekly design critique; bring your Figma links"},
		{"市场部", "市场活动与品牌推广"},
		{"Customer Success", "Escalations and renewals"},
		{"前端技术交流", "React、Vue 与工程化"},
		{"Weekend Hikers", "Trails, weather and carpools"},
		{"读书会", "每月一本书"},
		{"Ops On-call", "Pager rotation and handovers"},
		{"产品经理群", "需求评审与路线图"},
		{"Data Science Guild", "Models, notebooks and papers"},
		{"测试组", "回归测试与缺陷跟踪"},
		{"Mobile Team", "iOS and Android releases"},
		{"华东区销售", "上海、杭州、南京客户跟进"},
		{"Security Champions", "Threat models and patch status"},
		{"新员工培训 2025", "入职第一周的问题都可以在这里问"},
		{"Book Club", "Fiction and non-fiction, one book a month"},
		{"羽毛球俱乐部", "每周三晚上 7 点"},
		{"Release Train", "Cut-offs, freezes and go/no-go"},
		{"客服一线", "工单与投诉处理"},
		{"Coffee Chat", "Random pairings for a 20-minute chat"},
		{"AI 研究小组", "大模型与检索增强"},
		{"Incident Review", "Blameless postmortems"},
		{"年会筹备", "场地、节目与抽奖"},
		{"Platform Guild", "Shared infrastructure and tooling"},
		{"深圳办公室", "行政通知与午餐拼单"},
		{"Growth Experiments", "A/B tests and funnels"},
		{"招聘协调", "面试安排与反馈"},
		{"Open Source Friday", "Upstream contributions"},
		{"技术分享会", "每两周一次内部分享"},
		{"Board Games", "Catan, Go and Mahjong nights"},
		{"北京校友会", "校友活动与内推"},
		{"QA Automation", "Flaky tests hall of shame"},
		{"运营周报", "数据周报与复盘"},
		{"Travel Buddies", "Share trips and tips"},
		{"Marketing Sync", "Campaign calendar"},
		{"财务审批", "报销与预算审批"},
		{"Language Exchange 语言交换", "English ⇄ 中文 practice partners"},
		{"Beta Testers", "Early builds and feedback"},
	}
)

// SeedDemo fills an empty store (no groups) with demo users and groups in
// one transaction, and reports whether it did. The data is the same on
// every run. The first group, "All Hands 全员大会", has 1,100 members. The
// 40 named groups are the newest; older ones belong to the user "spammer",
// who is in 200 groups and owns 20 (see seedSpammer). Some groups have
// admins, muted and blocked users, allow-list entries and an announcement
// (see seedModeration).
func (s *Sandbox) SeedDemo(ctx context.Context) (seeded bool, err error) {
	users := append([]string(nil), demoNamedUsers...)
	for i := 1; i <= demoNumberedUsers; i++ {
		users = append(users, fmt.Sprintf("user%04d", i))
	}
	numbered := users[len(demoNamedUsers):]
	rng := rand.New(rand.NewPCG(2025, 7))
	now := s.now()
	err = s.store.write(ctx, func(tx *sql.Tx) error {
		var hasGroups bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM groups)`).Scan(&hasGroups); err != nil {
			return err
		}
		if hasGroups {
			return nil
		}
		ins, err := newGroupInserter(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		addUser, err := tx.PrepareContext(ctx, `INSERT INTO users (username, uuid, created, modified) VALUES (?, ?, ?, ?)
			ON CONFLICT (username) DO NOTHING`)
		if err != nil {
			return err
		}
		defer addUser.Close()
		joined := now.Add(-120 * 24 * time.Hour).UnixMilli()
		for _, u := range append(users, demoSpammer) {
			if _, err := addUser.ExecContext(ctx, u, newUUID(), joined, joined); err != nil {
				return err
			}
		}
		if err := seedSpammer(ctx, tx, ins, numbered, now); err != nil {
			return err
		}
		// Groups are created over the last 90 days, oldest first, so ids
		// grow with creation time like real ones.
		start := now.Add(-90 * 24 * time.Hour)
		step := 90 * 24 * time.Hour / time.Duration(len(demoGroups)+1)
		for i, dg := range demoGroups {
			created := start.Add(time.Duration(i) * step).Add(time.Duration(rng.Int64N(int64(time.Hour))))
			g := demoGroup(rng, i, dg.name, dg.desc, created, now)
			pool := numbered
			if i%3 == 0 {
				pool = users // some groups mix named users in
			}
			size := demoSize(rng, i)
			members := pickMembers(rng, pool, size, g.Owner)
			admins := map[string]bool{}
			for j := 0; j < len(members) && j < i%4; j++ {
				admins[members[j]] = true
			}
			if i%2 == 1 { // the spammer's other 20 groups
				members = append(members, demoSpammer)
			}
			g.MemberCount = len(members) + 1
			g.MaxUsers = max(g.MaxUsers, g.MemberCount)
			id, err := nextGroupIDs(ctx, tx, g.Created, 1)
			if err != nil {
				return err
			}
			g.ID = id
			if err := ins.add(ctx, &g, members, admins); err != nil {
				return err
			}
			if err := seedModeration(ctx, tx, i, g.ID, members, admins, now); err != nil {
				return err
			}
		}
		seeded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sandbox: seed demo data: %w", err)
	}
	return seeded, nil
}

func demoGroup(rng *rand.Rand, i int, name, desc string, created, now time.Time) groupRow {
	g := groupRow{
		Name: name, Description: desc,
		Owner:             demoNamedUsers[i%len(demoNamedUsers)],
		Public:            i%3 != 1,
		MembersOnly:       i%4 == 0,
		InviteNeedConfirm: i%5 != 0,
		MaxUsers:          []int{200, 300, 500, 1000, 2000}[rng.IntN(5)],
		Mute:              i == 9, // Ops On-call: everyone muted
		Created:           created.UnixMilli(),
		Modified:          created.Add(time.Duration(rng.Int64N(int64(now.Sub(created))))).UnixMilli(),
	}
	g.AllowInvites = !g.Public && i%2 == 0 // public groups never allow invites
	switch i % 4 {
	case 1:
		g.Custom = `{"dept":"engineering","region":"apac"}`
	case 2:
		g.Custom = "priority=high"
	}
	if i == 0 {
		g.MaxUsers = 2000
	}
	return g
}

// demoSize varies group sizes: one big group, a few large, many small.
func demoSize(rng *rand.Rand, i int) int {
	switch {
	case i == 0:
		return 1099 // + owner = 1,100
	case i%10 == 5:
		return 150 + rng.IntN(150)
	case i%7 == 3:
		return 0 // owner alone
	default:
		return 2 + rng.IntN(40)
	}
}

// pickMembers returns n distinct users from pool, never the owner.
func pickMembers(rng *rand.Rand, pool []string, n int, owner string) []string {
	out := make([]string, 0, n)
	for _, j := range rng.Perm(len(pool)) {
		if len(out) == n {
			break
		}
		if pool[j] != owner {
			out = append(out, pool[j])
		}
	}
	return out
}

// demoSpammer is in 200 groups and owns 20 of them, for spam hunting.
const demoSpammer = "spammer"

// Spam-like and ordinary group names; several contain 招聘 or "book", for
// searches.
var (
	spamGroupNames = []string{"高薪招聘 日结 %d", "Free ebook downloads %d", "兼职招聘 在家可做 %d", "Cheap textbook deals %d"}
	fillerNames    = []string{"Neighbourhood Watch %d", "同城交友 %d", "Running Club %d", "二手交易 %d", "Book Swap %d",
		"校园招聘 %d", "Parents Chat %d", "Study Group %d"}
)

// seedSpammer adds the spammer's 20 groups and 160 ordinary groups the
// spammer has joined, all older than the named demo groups so these stay
// the first page of the list. A separate random source leaves the named
// groups as they were.
func seedSpammer(ctx context.Context, tx *sql.Tx, ins *groupInserter, pool []string, now time.Time) error {
	rng := rand.New(rand.NewPCG(2025, 8))
	start := now.Add(-100 * 24 * time.Hour)
	const owned, joined = 20, 160
	for i := range owned + joined {
		created := start.Add(time.Duration(i) * 4 * time.Minute).UnixMilli()
		g := groupRow{
			Public: true, InviteNeedConfirm: true, MaxUsers: 200, Created: created, Modified: created,
		}
		members := pickMembers(rng, pool, 2+rng.IntN(10), "")
		if i < owned {
			g.Name, g.Owner = fmt.Sprintf(spamGroupNames[i%len(spamGroupNames)], i+1), demoSpammer
			g.Description = "加微信 / DM for details"
		} else {
			g.Name = fmt.Sprintf(fillerNames[i%len(fillerNames)], i+1)
			g.Owner, members = members[0], append(members[1:], demoSpammer)
		}
		g.MemberCount = len(members) + 1
		id, err := nextGroupIDs(ctx, tx, created, 1)
		if err != nil {
			return err
		}
		g.ID = id
		if err := ins.add(ctx, &g, members, nil); err != nil {
			return err
		}
	}
	return nil
}

// seedModeration gives some named groups an announcement, muted users (one
// for a day, one until unmuted), a blocked user (who is then no member)
// and an allow-list entry.
func seedModeration(ctx context.Context, tx *sql.Tx, i int, gid int64, members []string, admins map[string]bool, now time.Time) error {
	var plain []string // members that are not admins
	for _, m := range members {
		if !admins[m] && m != demoSpammer {
			plain = append(plain, m)
		}
	}
	if i%5 == 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET announcement = ? WHERE id = ?`,
			"Welcome! Be kind, stay on topic, no ads. 欢迎！请友善交流，禁止广告。", gid); err != nil {
			return err
		}
	}
	if i%4 != 1 || len(plain) < 4 {
		return nil
	}
	day := now.Add(24 * time.Hour).UnixMilli()
	steps := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO mutes (group_id, username, expire) VALUES (?, ?, ?)`, []any{gid, plain[0], day}},
		{`INSERT INTO mutes (group_id, username, expire) VALUES (?, ?, ?)`, []any{gid, plain[1], permanentMute}},
		{`INSERT INTO allows (group_id, username) VALUES (?, ?)`, []any{gid, plain[2]}},
		// Blocked: out of the group, on the block list.
		{`DELETE FROM members WHERE group_id = ? AND username = ?`, []any{gid, plain[3]}},
		{`UPDATE groups SET member_count = member_count - 1 WHERE id = ?`, []any{gid}},
		{`INSERT INTO blocks (group_id, username) VALUES (?, ?)`, []any{gid, plain[3]}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("seed moderation: %w", err)
		}
	}
	return nil
}
