// Drives the official Agora Chat Web SDK (npm agora-chat, unmodified) against
// the sandbox: every REST-backed group method, with an app token and with the
// user tokens of a group's owner, an admin, a member and a non-member.
//
// Run by Run in sdktest.go, for tests that start a sandbox with demo data and
// the users named below; it passes SDKTEST_CONFIG = {apiUrl, org, app,
// tokens: {app, <username>: user token}}. Prints the table of methods × token
// kinds → outcome; exits 1 with every mismatch on stderr.
//
// The SDK runs without its websocket: it gets the browser surface it touches
// (window, localStorage, an XMLHttpRequest over node:http, a WebSocket that
// refuses) and the context its login would set (apiUrl, org/app, user,
// access token). Its group methods then make plain REST calls.

import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';

const cfg = JSON.parse(process.env.SDKTEST_CONFIG ?? '{}');
const sandboxOrigin = new URL(cfg.apiUrl).origin;
// Requests carry a page origin, so CORS headers are checked on every answer.
const pageOrigin = 'http://sdk-page.example';

// ---- the browser surface ------------------------------------------------

const requests = []; // every REST call the SDK made: {method, path, status}

class NodeXMLHttpRequest {
	constructor() {
		this.readyState = 0;
		this.status = 0;
		this.responseText = '';
		this.response = '';
		this.responseType = '';
		this.responseURL = '';
		this.timeout = 0;
		this.withCredentials = false;
		this.upload = null;
		this.headers = {};
		this.listeners = {};
		this.responseHeaders = {};
	}
	open(method, url) {
		this.method = method;
		this.url = url;
		this.readyState = 1;
	}
	setRequestHeader(k, v) { this.headers[k] = String(v); } // as browsers do, undefined too
	overrideMimeType() {}
	addEventListener(type, f) { (this.listeners[type] ??= []).push(f); }
	getResponseHeader(k) { return this.responseHeaders[k.toLowerCase()] ?? null; }
	getAllResponseHeaders() {
		return Object.entries(this.responseHeaders).map(([k, v]) => `${k}: ${v}`).join('\r\n');
	}
	fire(type) {
		const ev = { type, target: this };
		this['on' + type]?.(ev);
		for (const f of this.listeners[type] ?? []) f(ev);
	}
	finish(status, bytes) {
		const text = bytes.toString('utf8');
		this.status = status;
		this.responseText = text;
		this.response = this.responseType === 'blob' ? new Blob([bytes]) : text;
		this.responseURL = this.url;
		this.readyState = 4;
		this.fire('readystatechange');
		this.fire(status === 0 ? 'error' : 'load');
	}
	send(body) {
		const u = new URL(this.url);
		// The SDK also reports statistics to Agora's servers: refused, like
		// any network access outside the sandbox.
		if (u.origin !== sandboxOrigin) {
			setImmediate(() => this.finish(0, Buffer.alloc(0)));
			return;
		}
		if (body instanceof FormData) {
			// Encoded as a browser would: multipart with a boundary.
			const encoded = new Response(body);
			this.headers['content-type'] = encoded.headers.get('content-type');
			encoded.arrayBuffer().then((b) => this.request(u, Buffer.from(b)));
			return;
		}
		this.request(u, body);
	}
	request(u, body) {
		const entry = { method: this.method, path: u.pathname + u.search, status: 0 };
		requests.push(entry);
		const req = http.request(u, { method: this.method, headers: { ...this.headers, Origin: pageOrigin } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				entry.status = res.statusCode;
				entry.cors = res.headers['access-control-allow-origin'];
				this.responseHeaders = res.headers;
				this.finish(res.statusCode, Buffer.concat(chunks));
			});
		});
		req.on('error', () => this.finish(0, Buffer.alloc(0)));
		req.end(body ?? undefined);
	}
}

globalThis.self = globalThis;
globalThis.window = globalThis;
globalThis.XMLHttpRequest = NodeXMLHttpRequest;
// Node 20 has no navigator; the SDK reads the user agent for its reports.
globalThis.navigator ??= { userAgent: 'node', language: 'en', onLine: true };
globalThis.WebSocket = class {
	constructor() { throw new Error('no websocket in this test: REST only'); }
};
// The SDK reads a failed download's JSON body from its Blob.
globalThis.FileReader ??= class {
	readAsText(blob) {
		blob.text().then((text) => {
			this.result = text;
			for (const f of this.listeners ?? []) f({ target: this });
		});
	}
	addEventListener(type, f) { if (type === 'loadend') (this.listeners ??= []).push(f); }
};
const store = new Map();
globalThis.localStorage = {
	getItem: (k) => store.get(k) ?? null,
	setItem: (k, v) => store.set(k, String(v)),
	removeItem: (k) => store.delete(k),
	clear: () => store.clear(),
};

const require = createRequire(import.meta.url);
const AC = require('agora-chat').default;
AC.logger.disableAll();
const Code = AC.statusCode;
const codeName = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));

// ---- connections as each identity --------------------------------------

const org = cfg.org;
const app = cfg.app;
const owner = 'sdkowner', admin = 'sdkadmin', member = 'sdkmember', outsider = 'sdkoutsider';
const [x1, x2, x3, x4, x5] = ['sdkx1', 'sdkx2', 'sdkx3', 'sdkx4', 'sdkx5'];

const conns = new Map();
// sdk(who) is a logged-in connection: who is a username (its user token) or
// "app" (the app token; the SDK still needs a current user, appUser).
function sdk(who, appUser = owner) {
	const key = who + '/' + appUser;
	if (!conns.has(key)) {
		const conn = new AC.connection({ appKey: `${org}#${app}` });
		const user = who === 'app' ? appUser : who;
		conn.apiUrl = cfg.apiUrl;
		conn.user = user;
		Object.assign(conn.context, {
			orgName: org, appName: app, appKey: `${org}#${app}`, accessToken: cfg.tokens[who], userId: user,
			jid: { appKey: `${org}#${app}`, name: user, domain: 'easemob.com', clientResource: 'sdktest' },
		});
		conns.set(key, conn);
	}
	return conns.get(key);
}

// ---- expectations and the table -----------------------------------------

const kinds = { app: 'app', [owner]: 'owner', [admin]: 'admin', [member]: 'member', [outsider]: 'non-member' };
const table = new Map(); // method → {calls: Set, cells: {kind: outcome}}
const failures = [];

// Other users are invitees, applicants and users checking themselves.
function kindOf(who) { return kinds[who] ?? 'other user'; }

// note records an outcome and the REST calls made from request since to
// until (the test's own checks after the call are not the method's).
function note(method, who, outcome, since, until = requests.length) {
	const row = table.get(method) ?? { calls: new Set(), cells: {} };
	table.set(method, row);
	for (const r of requests.slice(since, until)) row.calls.add(r.method + ' ' + template(r.path));
	const k = kindOf(who);
	if (!row.cells[k] || row.cells[k] === outcome) row.cells[k] = outcome;
	else if (!row.cells[k].split(' / ').includes(outcome)) row.cells[k] += ' / ' + outcome;
}

// template turns a request path into the endpoint's shape for the table.
function template(path) {
	return path
		.replace(`/${org}/${app}`, '')
		.replace(/\?.*$/, '')
		.replace(/\d{16}(,\d{16})*/g, '{id}')
		.replace(/share_files\/[^/]+$/, 'share_files/{file}')
		.replace(/sdk(owner|admin|member|outsider|x\d)(,sdk\w+)*/g, '{user}');
}

function describe(err) {
	return `${codeName[err?.type] ?? err?.type} (${err?.message ?? err})`;
}

function checkCORS(since, label) {
	for (const r of requests.slice(since)) {
		if (r.cors !== pageOrigin) failures.push(`${label}: ${r.method} ${r.path} answered without Access-Control-Allow-Origin`);
	}
}

// ok calls method as who and expects it to resolve; verify(res) asserts the data.
async function ok(method, who, params, verify) {
	const since = requests.length;
	const label = `${method} as ${kindOf(who)} (${who})`;
	let res;
	try {
		res = await sdk(who)[method](params);
	} catch (err) {
		failures.push(`${label}: rejected with ${describe(err)}; want success\n    calls: ${JSON.stringify(requests.slice(since))}`);
		note(method, who, 'FAIL', since);
		return undefined;
	}
	const until = requests.length;
	checkCORS(since, label);
	try {
		// setGroupMemberAttributes resolves with nothing; the rest with a result.
		if (method !== 'setGroupMemberAttributes') assert.equal(res?.type, Code.REQUEST_SUCCESS, 'result type');
		await verify?.(res);
		note(method, who, 'ok', since, until);
	} catch (err) {
		failures.push(`${label}: resolved, but ${err.message}\n    result: ${JSON.stringify(res)}`);
		note(method, who, 'FAIL', since, until);
	}
	return res;
}

// refused calls method as who and expects the SDK's error type want.
async function refused(method, who, params, want) {
	const since = requests.length;
	const label = `${method} as ${kindOf(who)} (${who})`;
	try {
		const res = await sdk(who)[method](params);
		failures.push(`${label}: resolved ${JSON.stringify(res)}; want ${codeName[want]}`);
		note(method, who, 'FAIL', since);
	} catch (err) {
		if (err?.type === want) {
			note(method, who, codeName[want], since);
		} else {
			failures.push(`${label}: rejected with ${describe(err)}; want ${codeName[want]}\n    calls: ${JSON.stringify(requests.slice(since))}`);
			note(method, who, 'FAIL', since);
		}
	}
	checkCORS(since, label);
}

// ---- the run --------------------------------------------------------------

const sorted = (a) => [...a].sort();
const names = (list) => sorted(list.map((m) => m.userId ?? m.owner ?? m.member ?? m.admin ?? m));

async function groupInfo(id) {
	const res = await sdk('app').getGroupInfo({ groupId: id });
	return res.data[0];
}

async function run() {
	// Groups made through the SDK: P public (no approval), A public with
	// approval, Q private; the owner creates them with its own token.
	const p = (await ok('createGroup', owner, {
		data: {
			groupname: 'SDK public', desc: 'open to all', members: [admin, member], public: true, approval: false,
			allowinvites: false, inviteNeedConfirm: false, maxusers: 50, ext: 'p-ext',
		},
	}, (res) => assert.match(res.data.groupid, /^\d{16}$/)))?.data.groupid;
	const q = (await ok('createGroupVNext', owner, {
		groupName: 'SDK private', description: 'members only', members: [admin, member], isPublic: false,
		needApprovalToJoin: true, allowMemberToInvite: false, inviteNeedConfirm: true, maxMemberCount: 50, extension: 'q-ext',
	}, (res) => assert.match(res.data.groupId, /^\d{16}$/)))?.data.groupId;
	const a = (await ok('createGroupVNext', 'app', {
		groupName: 'SDK approval', isPublic: true, needApprovalToJoin: true, members: [member],
	}, (res) => assert.match(res.data.groupId, /^\d{16}$/)))?.data.groupId;
	if (!p || !q || !a) throw new Error('could not create the test groups');

	for (const who of ['app', owner]) {
		await ok('setGroupAdmin', who, { groupId: who === 'app' ? p : q, username: admin }, (res) => {
			assert.equal(res.data.result, 'success');
			assert.equal(res.data.newadmin, admin);
		});
	}
	await refused('setGroupAdmin', admin, { groupId: q, username: member }, Code.PERMISSION_DENIED);
	await refused('setGroupAdmin', member, { groupId: q, username: member }, Code.PERMISSION_DENIED);

	// Reads of the private group: its members may, a non-member may not.
	for (const who of ['app', owner, admin, member]) {
		await ok('getGroupInfo', who, { groupId: q }, (res) => {
			const g = res.data[0];
			assert.equal(g.id, q);
			assert.equal(g.name, 'SDK private');
			assert.equal(g.description, 'members only');
			assert.equal(g.owner, owner);
			assert.equal(g.public, false);
			assert.equal(g.membersonly, true);
			assert.equal(g.allowinvites, false);
			assert.equal(g.maxusers, 50);
			assert.equal(g.custom, 'q-ext');
			assert.equal(g.affiliations_count, 3);
			assert.deepEqual(names(g.affiliations), [admin, member, owner]);
			for (const m of g.affiliations) assert.equal(typeof m.joined_time, 'number', 'joined_time on affiliations');
		});
		await ok('listGroupMembers', who, { groupId: q, pageNum: 1, pageSize: 10 }, (res) => {
			assert.deepEqual(res.data[0], { owner }, 'owner first');
			assert.deepEqual(names(res.data), [admin, member, owner]);
		});
		await ok('getGroupAdmin', who, { groupId: q }, (res) => assert.deepEqual(res.data, [admin]));
		await ok('fetchGroupAnnouncement', who, { groupId: q }, (res) => assert.equal(res.data.announcement, ''));
	}
	await ok('getGroupInfo', outsider, { groupId: p }, (res) => assert.equal(res.data[0].public, true));
	await ok('getGroupInfo', 'app', { groupId: [p, q] }, (res) => assert.deepEqual(res.data.map((g) => g.id), [p, q]));
	await refused('getGroupInfo', outsider, { groupId: q }, Code.GROUP_NOT_JOINED);
	await refused('getGroupInfo', 'app', { groupId: '1234567890123456' }, Code.GROUP_NOT_EXIST);
	await refused('listGroupMembers', outsider, { groupId: q, pageNum: 1, pageSize: 10 }, Code.GROUP_NOT_JOINED);
	await refused('getGroupAdmin', outsider, { groupId: q }, Code.GROUP_NOT_JOINED);
	await refused('fetchGroupAnnouncement', outsider, { groupId: q }, Code.GROUP_NOT_JOINED);

	// getGroupMembers pages by cursor, with roles and join times.
	for (const who of ['app', member]) {
		const first = await ok('getGroupMembers', who, { groupId: q, limit: 2 }, (res) => {
			assert.equal(res.data.members.length, 2);
			assert.ok(res.data.cursor, 'a cursor while more follow');
			for (const m of res.data.members) {
				assert.ok(['owner', 'admin', 'member'].includes(m.role), `role ${m.role}`);
				assert.equal(typeof m.joinedTime, 'number', 'joinedTime');
			}
		});
		await ok('getGroupMembers', who, { groupId: q, limit: 2, cursor: first?.data.cursor }, (res) => {
			assert.equal(res.data.members.length, 1);
			assert.ok(!res.data.cursor, 'no cursor on the last page');
			const all = [...first.data.members, ...res.data.members];
			assert.deepEqual(Object.fromEntries(all.map((m) => [m.userId, m.role])), { [owner]: 'owner', [admin]: 'admin', [member]: 'member' });
		});
	}
	await refused('getGroupMembers', outsider, { groupId: q, limit: 2 }, Code.GROUP_NOT_JOINED);

	// Public groups: anyone; the private one is not listed.
	for (const who of ['app', outsider]) {
		await ok('getPublicGroups', who, { limit: 100 }, (res) => {
			const ids = res.data.map((g) => g.groupid);
			assert.ok(ids.includes(p) && ids.includes(a), 'the new public groups are listed');
			assert.ok(!ids.includes(q), 'the private group is not');
			assert.equal(res.data.find((g) => g.groupid === p).groupname, 'SDK public');
		});
	}
	const page1 = await ok('getPublicGroups', outsider, { limit: 2 }, (res) => {
		assert.equal(res.data.length, 2);
		assert.ok(res.cursor, 'a cursor while more follow');
	});
	await ok('getPublicGroups', outsider, { limit: 2, cursor: page1?.cursor }, (res) => {
		assert.equal(res.data.length, 2);
		assert.ok(!res.data.some((g) => page1.data.some((h) => h.groupid === g.groupid)), 'the next page has other groups');
	});

	// A user's own groups, with roles when asked; the count.
	for (const who of [admin, 'app']) {
		const conn = who === 'app' ? sdk('app', admin) : sdk(admin);
		const since = requests.length;
		try {
			// With roles the SDK answers the groups in entities (data is []).
			const res = await conn.getJoinedGroups({ pageNum: 1, pageSize: 20, needAffiliations: true, needRole: true });
			const byId = Object.fromEntries(res.entities.map((g) => [g.groupId, g]));
			assert.equal(byId[q]?.role, 'admin', `role in the private group: ${JSON.stringify(byId[q])}`);
			assert.equal(byId[p]?.role, 'admin');
			assert.equal(byId[q].groupName, 'SDK private');
			assert.equal(byId[q].affiliationsCount, 3);
			assert.equal(byId[q].approval, true);
			assert.equal(byId[q].public, false);
			note('getJoinedGroups', who, 'ok', since);
		} catch (err) {
			failures.push(`getJoinedGroups as ${kindOf(who)}: ${err.message ?? describe(err)}`);
			note('getJoinedGroups', who, 'FAIL', since);
		}
	}
	await ok('getJoinedGroups', member, { pageNum: 1, pageSize: 20 }, (res) => {
		const ids = res.data.map((g) => g.groupid ?? g.groupId);
		assert.deepEqual(sorted(ids), sorted([p, q, a]));
	});
	await ok('getJoinedGroupsCount', member, undefined, (res) => assert.equal(res.data, 3));
	await ok('getJoinedGroupsCount', outsider, undefined, (res) => assert.equal(res.data, 0));

	// Changes to the group: owner and admins; members are refused.
	for (const [who, name] of [['app', 'by app'], [owner, 'by owner'], [admin, 'by admin']]) {
		await ok('modifyGroup', who, { groupId: q, groupName: 'SDK private ' + name, description: 'd ' + name, ext: 'e' }, (res) => {
			assert.equal(res.data.groupname, true);
		});
	}
	assert.equal((await groupInfo(q)).name, 'SDK private by admin');
	await refused('modifyGroup', member, { groupId: q, groupName: 'nope' }, Code.PERMISSION_DENIED);
	await refused('modifyGroup', outsider, { groupId: q, groupName: 'nope' }, Code.GROUP_NOT_JOINED);

	for (const who of ['app', owner, admin]) {
		await ok('updateGroupAnnouncement', who, { groupId: q, announcement: 'hello from ' + kindOf(who) }, (res) => {
			assert.equal(res.data.result, true);
		});
	}
	await ok('fetchGroupAnnouncement', member, { groupId: q }, (res) => assert.equal(res.data.announcement, 'hello from admin'));
	await refused('updateGroupAnnouncement', member, { groupId: q, announcement: 'x' }, Code.PERMISSION_DENIED);

	// Invitations: the private group asks the invitee first.
	await ok('inviteUsersToGroup', owner, { groupId: q, users: [x1, x2] }, (res) => {
		assert.deepEqual(res.data.map((r) => [r.user, r.result]), [[x1, true], [x2, true]]);
	});
	await ok('inviteUsersToGroup', admin, { groupId: q, users: [x3] });
	await ok('inviteUsersToGroup', 'app', { groupId: q, users: [x4] });
	await refused('inviteUsersToGroup', member, { groupId: q, users: [x5] }, Code.PERMISSION_DENIED);
	await ok('acceptGroupInvite', x1, { groupId: q, invitee: x1 });
	await ok('rejectGroupInvite', x2, { groupId: q, invitee: x2 });
	await ok('acceptGroupInvite', 'app', { groupId: q, invitee: x3 });
	await refused('acceptGroupInvite', x2, { groupId: q, invitee: x2 }, Code.PERMISSION_DENIED);
	assert.equal((await groupInfo(q)).affiliations_count, 5, 'x1 and x3 joined');

	// Applying: a public group takes the user, one with approval waits for the
	// owner or an admin; a private group refuses.
	await ok('joinGroup', outsider, { groupId: p, message: 'hi' });
	// The SDK has no specific type for applying twice (GROUP_ALREADY_JOINED
	// is for invitations): a 403 without a code it knows is PERMISSION_DENIED.
	await refused('joinGroup', outsider, { groupId: p, message: 'again' }, Code.PERMISSION_DENIED);
	await refused('joinGroup', x5, { groupId: q, message: 'let me in' }, Code.PERMISSION_DENIED);
	await ok('joinGroup', x4, { groupId: a, message: 'please' });
	await ok('joinGroup', x5, { groupId: a, message: 'please' });
	await refused('acceptGroupJoinRequest', member, { groupId: a, applicant: x4 }, Code.PERMISSION_DENIED);
	await ok('acceptGroupJoinRequest', owner, { groupId: a, applicant: x4 });
	await ok('rejectGroupJoinRequest', 'app', { groupId: a, applicant: x5, reason: 'full' });
	await refused('acceptGroupJoinRequest', owner, { groupId: a, applicant: x5 }, Code.PERMISSION_DENIED);
	assert.deepEqual(names((await groupInfo(a)).affiliations), sorted([owner, member, x4]), 'x4 joined the approval group');

	// Mutes.
	for (const who of ['app', owner, admin]) {
		await ok('muteGroupMember', who, { groupId: q, username: x1, muteDuration: 60000 }, (res) => {
			assert.equal(res.data[0].user, x1);
			assert.equal(res.data[0].result, true);
		});
	}
	await refused('muteGroupMember', member, { groupId: q, username: x1, muteDuration: 60000 }, Code.PERMISSION_DENIED);
	for (const who of ['app', owner, admin]) {
		await ok('getGroupMutelist', who, { groupId: q }, (res) => assert.deepEqual(res.data.map((m) => m.user), [x1]));
	}
	await refused('getGroupMutelist', member, { groupId: q }, Code.PERMISSION_DENIED);
	await ok('isInGroupMutelist', x1, { groupId: q }, (res) => assert.equal(res.data, true));
	await ok('isInGroupMutelist', member, { groupId: q }, (res) => assert.equal(res.data, false));
	await refused('isInGroupMutelist', outsider, { groupId: q }, Code.GROUP_NOT_JOINED);
	await ok('unmuteGroupMember', admin, { groupId: q, username: x1 }, (res) => assert.equal(res.data[0].result, true));
	await refused('unmuteGroupMember', member, { groupId: q, username: x1 }, Code.PERMISSION_DENIED);

	// Mute-all.
	for (const who of ['app', owner, admin]) {
		await ok('disableSendGroupMsg', who, { groupId: q }, (res) => assert.equal(res.data.mute, true));
		await ok('enableSendGroupMsg', who, { groupId: q }, (res) => assert.equal(res.data.mute, false));
	}
	await refused('disableSendGroupMsg', member, { groupId: q }, Code.PERMISSION_DENIED);
	await refused('enableSendGroupMsg', member, { groupId: q }, Code.PERMISSION_DENIED);

	// Allow list.
	await ok('addUsersToGroupAllowlist', owner, { groupId: q, users: [x1] }, (res) => assert.equal(res.data[0].result, true));
	await ok('addUsersToGroupAllowlist', admin, { groupId: q, users: [member] });
	await ok('addUsersToGroupAllowlist', 'app', { groupId: q, users: [x3] });
	await refused('addUsersToGroupAllowlist', member, { groupId: q, users: [x1] }, Code.PERMISSION_DENIED);
	for (const who of ['app', owner, admin]) {
		await ok('getGroupAllowlist', who, { groupId: q }, (res) => assert.deepEqual(sorted(res.data), sorted([owner, admin, x1, member, x3])));
	}
	await refused('getGroupAllowlist', member, { groupId: q }, Code.PERMISSION_DENIED);
	await ok('isInGroupAllowlist', 'app', { groupId: q, userName: x1 }, (res) => assert.equal(res.data.white, true));
	await ok('isInGroupAllowlist', x1, { groupId: q, userName: x1 }, (res) => assert.equal(res.data.white, true));
	await ok('isInGroupAllowlist', x3, { groupId: q, userName: x3 });
	await ok('removeGroupAllowlistMember', owner, { groupId: q, userName: x1 }, (res) => assert.equal(res.data[0]?.result ?? res.data.result, true));
	await ok('removeGroupAllowlistMember', admin, { groupId: q, userName: member });
	await ok('removeGroupAllowlistMember', 'app', { groupId: q, userName: x3 });
	await refused('removeGroupAllowlistMember', member, { groupId: q, userName: x1 }, Code.PERMISSION_DENIED);
	await ok('isInGroupAllowlist', owner, { groupId: q, userName: x1 }, (res) => assert.equal(res.data.white, false));

	// Shielding the group's messages for oneself.
	for (const who of [member, admin, owner]) {
		await ok('blockGroupMessage', who, { groupId: q });
		await ok('unblockGroupMessage', who, { groupId: q });
	}
	await refused('blockGroupMessage', outsider, { groupId: q }, Code.GROUP_NOT_JOINED);
	await ok('blockGroupMessages', member, { groupId: q });

	// Member attributes: a member sets its own, the owner and admins anyone's;
	// an empty value deletes a key.
	const setAttrs = (who, userId, memberAttributes) => ['setGroupMemberAttributes', who, { groupId: q, userId, memberAttributes }];
	await ok(...setAttrs(member, member, { nick: 'M', color: 'red' }));
	await ok(...setAttrs(admin, x1, { nick: 'X1' }));
	await ok(...setAttrs(owner, admin, { nick: 'A' }));
	await ok(...setAttrs('app', owner, { nick: 'O' }));
	await refused(...setAttrs(member, x1, { nick: 'hijack' }), Code.NO_PERMISSION);
	await refused(...setAttrs(owner, outsider, { nick: 'x' }), Code.GROUP_NOT_JOINED);
	await refused(...setAttrs(outsider, outsider, { nick: 'x' }), Code.GROUP_NOT_JOINED);
	await refused(...setAttrs(member, member, { nick: 'x'.repeat(513) }), Code.MAX_LIMIT);
	for (const who of ['app', owner, admin, member, x1]) {
		await ok('getGroupMemberAttributes', who, { groupId: q, userId: member }, (res) => assert.deepEqual(res.data, { nick: 'M', color: 'red' }));
	}
	await ok(...setAttrs(member, member, { color: '' }));
	await ok('getGroupMembersAttributes', member, { groupId: q, userIds: [member, x1, owner], keys: ['nick'] }, (res) => {
		assert.deepEqual(res.data, { [member]: { nick: 'M' }, [x1]: { nick: 'X1' }, [owner]: { nick: 'O' } });
	});
	await ok('getGroupMembersAttributes', 'app', { groupId: q, userIds: [admin, x2] }, (res) => {
		assert.deepEqual(res.data, { [admin]: { nick: 'A' }, [x2]: {} });
	});
	await refused('getGroupMemberAttributes', outsider, { groupId: q, userId: member }, Code.GROUP_NOT_JOINED);
	await refused('getGroupMembersAttributes', outsider, { groupId: q, userIds: [member] }, Code.GROUP_NOT_JOINED);

	// Shared files: members upload, list and download; the uploader, the
	// owner and admins delete. Upload and download report through callbacks.
	const upload = (who, name, text) => new Promise((resolve, reject) => {
		sdk(who).uploadGroupSharedFile({
			groupId: q, file: { data: new File([text], name), filename: name },
			onFileUploadComplete: resolve, onFileUploadError: reject,
		});
	});
	const download = (who, fileId) => new Promise((resolve, reject) => {
		sdk(who).downloadGroupSharedFile({ groupId: q, fileId, onFileDownloadComplete: resolve, onFileDownloadError: reject });
	});
	const files = {};
	for (const [who, name] of [[member, 'member.txt'], [admin, 'admin.txt'], ['app', 'app.txt']]) {
		const since = requests.length;
		try {
			const res = await upload(who, name, 'shared by ' + name);
			assert.equal(res.data?.file_name, name, JSON.stringify(res));
			assert.equal(res.data.file_size, ('shared by ' + name).length);
			assert.equal(res.data.group_id, q);
			files[name] = res.data.file_id;
			note('uploadGroupSharedFile', who, 'ok', since);
		} catch (err) {
			failures.push(`uploadGroupSharedFile as ${kindOf(who)}: ${err.message ?? describe(err)}`);
			note('uploadGroupSharedFile', who, 'FAIL', since);
		}
	}
	{
		// The SDK passes any answer but a 400 to onFileUploadComplete: a
		// non-member's upload "completes" with the error body.
		const since = requests.length;
		const res = await upload(outsider, 'x.txt', 'x').catch((err) => err);
		const outcome = res?.error_code === 60003 ? 'completes with error_code 60003' : 'FAIL';
		if (outcome === 'FAIL') failures.push(`uploadGroupSharedFile as non-member: ${JSON.stringify(res)}`);
		note('uploadGroupSharedFile', outsider, outcome, since);
	}
	for (const who of ['app', owner, x1]) {
		await ok('getGroupSharedFilelist', who, { groupId: q, pageNum: 1, pageSize: 10 }, (res) => {
			assert.deepEqual(res.data.map((f) => f.file_name), ['app.txt', 'admin.txt', 'member.txt']);
			assert.equal(res.data[2].file_owner, member);
		});
	}
	await ok('getGroupSharedFilelist', owner, { groupId: q, pageNum: 2, pageSize: 2 }, (res) => assert.deepEqual(res.data.map((f) => f.file_name), ['member.txt']));
	await refused('getGroupSharedFilelist', outsider, { groupId: q, pageNum: 1, pageSize: 10 }, Code.GROUP_NOT_JOINED);
	for (const who of ['app', x1]) {
		const since = requests.length;
		try {
			const blob = await download(who, files['admin.txt']);
			assert.equal(await blob.text(), 'shared by admin.txt');
			note('downloadGroupSharedFile', who, 'ok', since);
		} catch (err) {
			failures.push(`downloadGroupSharedFile as ${kindOf(who)}: ${err.message ?? describe(err)}`);
			note('downloadGroupSharedFile', who, 'FAIL', since);
		}
	}
	for (const [who, fileId, want] of [[outsider, files['admin.txt'], Code.PERMISSION_DENIED], [x1, 'no-such-file', Code.WEBIM_DOWNLOADFILE_ERROR]]) {
		const since = requests.length;
		const err = await download(who, fileId).then(() => null, (e) => e);
		if (err?.type === want) note('downloadGroupSharedFile', who, codeName[want], since);
		else {
			failures.push(`downloadGroupSharedFile as ${kindOf(who)} (${fileId}): ${describe(err)}; want ${codeName[want]}`);
			note('downloadGroupSharedFile', who, 'FAIL', since);
		}
	}
	await refused('deleteGroupSharedFile', x1, { groupId: q, fileId: files['member.txt'] }, Code.PERMISSION_DENIED);
	await ok('deleteGroupSharedFile', member, { groupId: q, fileId: files['member.txt'] }, (res) => {
		assert.deepEqual(res.data, { group_id: q, file_id: files['member.txt'], result: true });
	});
	await ok('deleteGroupSharedFile', owner, { groupId: q, fileId: files['admin.txt'] });
	await ok('deleteGroupSharedFile', admin, { groupId: q, fileId: files['app.txt'] });
	await ok('getGroupSharedFilelist', member, { groupId: q, pageNum: 1, pageSize: 10 }, (res) => assert.deepEqual(res.data, []));

	// Removing and blocking members.
	await ok('removeGroupMember', admin, { groupId: q, username: x1 }, (res) => assert.equal(res.data.result, true));
	await ok('getGroupMemberAttributes', owner, { groupId: q, userId: x1 }, (res) => assert.deepEqual(res.data, {}, 'attributes go with the membership'));
	await ok('inviteUsersToGroup', 'app', { groupId: q, users: [x1, x2, x5] });
	for (const u of [x1, x2, x5]) await ok('acceptGroupInvite', u, { groupId: q, invitee: u });
	await refused('removeGroupMember', member, { groupId: q, username: x1 }, Code.PERMISSION_DENIED);
	await refused('removeGroupMember', admin, { groupId: q, username: owner }, Code.PERMISSION_DENIED);
	await ok('removeGroupMembers', owner, { groupId: q, users: [x1, x2] }, (res) => {
		assert.deepEqual(res.data.map((r) => [r.user, r.result]), [[x1, true], [x2, true]]);
	});
	await refused('removeGroupMembers', member, { groupId: q, users: [x3, x5] }, Code.PERMISSION_DENIED);
	await ok('blockGroupMember', admin, { groupId: q, username: x3 }, (res) => assert.equal(res.data.result, true));
	await ok('blockGroupMembers', owner, { groupId: q, usernames: [x5] }, (res) => assert.equal(res.data[0].result, true));
	await refused('blockGroupMember', member, { groupId: q, username: x4 }, Code.PERMISSION_DENIED);
	await refused('blockGroupMember', admin, { groupId: q, username: owner }, Code.PERMISSION_DENIED);
	for (const who of ['app', owner, admin]) {
		await ok('getGroupBlocklist', who, { groupId: q }, (res) => assert.deepEqual(sorted(res.data), sorted([x3, x5])));
	}
	await refused('getGroupBlocklist', member, { groupId: q }, Code.PERMISSION_DENIED);
	await refused('getGroupInfo', x3, { groupId: q }, Code.PERMISSION_DENIED);
	await refused('unblockGroupMember', member, { groupId: q, username: x3 }, Code.PERMISSION_DENIED);
	await ok('unblockGroupMember', admin, { groupId: q, username: x3 }, (res) => assert.equal(res.data.result, true));
	// One name is the one-user path, so the answer is an object, not an array.
	await ok('unblockGroupMembers', 'app', { groupId: q, usernames: [x5] }, (res) => assert.equal(res.data.result, true));
	await ok('getGroupBlocklist', owner, { groupId: q }, (res) => assert.deepEqual(res.data, []));

	// The rest of the matrix: a non-member of the private group is refused
	// as not joined, a plain member as without permission; calls that act
	// for the calling user need a user token.
	const nonMemberCalls = [
		['setGroupAdmin', { groupId: q, username: member }],
		['removeGroupAdmin', { groupId: q, username: admin }],
		['changeGroupOwner', { groupId: q, newOwner: member }],
		['updateGroupAnnouncement', { groupId: q, announcement: 'x' }],
		['inviteUsersToGroup', { groupId: q, users: [x2] }],
		['acceptGroupJoinRequest', { groupId: q, applicant: x2 }],
		['rejectGroupJoinRequest', { groupId: q, applicant: x2, reason: 'x' }],
		['removeGroupMember', { groupId: q, username: member }],
		['removeGroupMembers', { groupId: q, users: [member, x4] }],
		['muteGroupMember', { groupId: q, username: member, muteDuration: 1000 }],
		['unmuteGroupMember', { groupId: q, username: member }],
		['getGroupMutelist', { groupId: q }],
		['disableSendGroupMsg', { groupId: q }],
		['enableSendGroupMsg', { groupId: q }],
		['blockGroupMember', { groupId: q, username: member }],
		['blockGroupMembers', { groupId: q, usernames: [member] }],
		['unblockGroupMember', { groupId: q, username: member }],
		['unblockGroupMembers', { groupId: q, usernames: [member, x4] }],
		['getGroupBlocklist', { groupId: q }],
		['addUsersToGroupAllowlist', { groupId: q, users: [member] }],
		['removeGroupAllowlistMember', { groupId: q, userName: member }],
		['getGroupAllowlist', { groupId: q }],
		['isInGroupAllowlist', { groupId: q, userName: outsider }],
		['unblockGroupMessage', { groupId: q }],
		['destroyGroup', { groupId: q }],
	];
	for (const [method, params] of nonMemberCalls) await refused(method, outsider, params, Code.GROUP_NOT_JOINED);
	for (const method of ['removeGroupAdmin', 'destroyGroup', 'rejectGroupJoinRequest', 'blockGroupMembers', 'unblockGroupMembers']) {
		await refused(method, member, nonMemberCalls.find(([m]) => m === method)[1], Code.PERMISSION_DENIED);
	}
	await refused('changeGroupOwner', admin, { groupId: q, newOwner: member }, Code.PERMISSION_DENIED);
	await refused('isInGroupAllowlist', member, { groupId: q, userName: admin }, Code.PERMISSION_DENIED);
	await ok('isInGroupAllowlist', admin, { groupId: q, userName: member }, (res) => assert.deepEqual(res.data, { member, white: false }));
	await refused('acceptGroupInvite', admin, { groupId: q, invitee: x2 }, Code.PERMISSION_DENIED);
	for (const who of [owner, admin]) {
		await ok('getGroupMembers', who, { groupId: q, limit: 50 }, (res) => assert.equal(res.data.members[0].role, 'owner'));
		await ok('getGroupMembersAttributes', who, { groupId: q, userIds: [member] }, (res) => assert.deepEqual(res.data, { [member]: { nick: 'M' } }));
		await ok('isInGroupMutelist', who, { groupId: q }, (res) => assert.equal(res.data, false));
		await ok('getGroupSharedFilelist', who, { groupId: q, pageNum: 1, pageSize: 10 }, (res) => assert.deepEqual(res.data, []));
	}
	for (const who of [owner, admin, member]) {
		await ok('getPublicGroups', who, { limit: 5 }, (res) => assert.equal(res.data.length, 5));
		await ok('getJoinedGroupsCount', who, undefined, (res) => assert.equal(typeof res.data, 'number'));
	}
	await ok('getJoinedGroups', outsider, { pageNum: 1, pageSize: 20 }, (res) => assert.deepEqual(res.data.map((g) => g.groupid), [p]));
	await ok('getJoinedGroups', owner, { pageNum: 1, pageSize: 20, needRole: true }, (res) => {
		assert.deepEqual(sorted(res.entities.filter((g) => g.role === 'owner').map((g) => g.groupId)), sorted([p, q, a]));
	});
	await ok('getJoinedGroupsCount', 'app', undefined, (res) => assert.equal(res.data, 3)); // the owner's
	await ok('isInGroupMutelist', 'app', { groupId: q }, (res) => assert.equal(res.data, false)); // the owner's
	// Anyone may create a group, as its owner.
	for (const who of ['app', admin, member, outsider]) {
		await ok('createGroup', who, {
			data: { groupname: 'made by ' + kindOf(who), desc: '', members: [], public: false, approval: false, allowinvites: false, inviteNeedConfirm: false, maxusers: 10 },
		}, async (res) => {
			const g = await groupInfo(res.data.groupid);
			assert.equal(g.owner, who === 'app' ? owner : who);
			await sdk('app').destroyGroup({ groupId: res.data.groupid });
		});
	}
	// Acting for oneself needs a user token: with the app token these are
	// 400s, which the SDK reports as a plain AJAX error.
	await refused('joinGroup', 'app', { groupId: p, message: 'x' }, Code.WEBIM_CONNCTION_AJAX_ERROR);
	await refused('leaveGroup', 'app', { groupId: p }, Code.WEBIM_CONNCTION_AJAX_ERROR);
	await refused('blockGroupMessage', 'app', { groupId: q }, Code.WEBIM_CONNCTION_AJAX_ERROR);

	// Errors the SDK names by their text: a group over its size, a disabled
	// group (disabling is a server call, made here without the SDK).
	await refused('createGroup', owner, {
		data: { groupname: 'too small', desc: '', members: [admin, member], public: false, approval: false, allowinvites: false, inviteNeedConfirm: false, maxusers: 2 },
	}, Code.GROUP_MEMBERS_LIMIT);
	const serverCall = (path) => fetch(`${cfg.apiUrl}/${org}/${app}/chatgroups/${p}/${path}`, {
		method: 'POST', headers: { Authorization: 'Bearer ' + cfg.tokens.app },
	}).then((res) => assert.equal(res.status, 200, path));
	await serverCall('disable');
	await refused('modifyGroup', owner, { groupId: p, groupName: 'while disabled' }, Code.GROUP_IS_DISABLED);
	await refused('inviteUsersToGroup', owner, { groupId: p, users: [x2] }, Code.GROUP_IS_DISABLED);
	await ok('getGroupInfo', member, { groupId: p }, (res) => assert.equal(res.data[0].disabled, true));
	await serverCall('enable');

	// Admins and ownership.
	await refused('removeGroupAdmin', admin, { groupId: q, username: admin }, Code.PERMISSION_DENIED);
	await ok('removeGroupAdmin', owner, { groupId: q, username: admin }, (res) => assert.equal(res.data.oldadmin, admin));
	await ok('removeGroupAdmin', 'app', { groupId: p, username: admin });
	await refused('changeGroupOwner', member, { groupId: q, newOwner: member }, Code.PERMISSION_DENIED);
	await ok('changeGroupOwner', owner, { groupId: q, newOwner: admin }, (res) => assert.equal(res.data.newowner, true));
	await ok('changeGroupOwner', 'app', { groupId: q, newOwner: owner });
	assert.equal((await groupInfo(q)).owner, owner);

	// Leaving and deleting.
	await ok('leaveGroup', member, { groupId: q }, (res) => assert.equal(res.data.result, true));
	await refused('leaveGroup', member, { groupId: q }, Code.GROUP_NOT_JOINED);
	await refused('leaveGroup', owner, { groupId: q }, Code.PERMISSION_DENIED);
	await refused('destroyGroup', admin, { groupId: q }, Code.PERMISSION_DENIED);
	await ok('destroyGroup', owner, { groupId: q }, (res) => assert.equal(res.data.success, true));
	await ok('destroyGroup', 'app', { groupId: a });
	await refused('getGroupInfo', owner, { groupId: q }, Code.GROUP_NOT_EXIST);
	await refused('destroyGroup', owner, { groupId: q }, Code.GROUP_NOT_EXIST);
}

function printTable() {
	const cols = ['app', 'owner', 'admin', 'member', 'non-member', 'other user'];
	const lines = [
		'| SDK method | REST call(s) | ' + cols.join(' | ') + ' |',
		'|' + ' --- |'.repeat(cols.length + 2),
	];
	for (const [method, row] of [...table].sort(([a], [b]) => a.localeCompare(b))) {
		lines.push(`| ${method} | ${[...row.calls].join('; ')} | ` + cols.map((c) => row.cells[c] ?? '').join(' | ') + ' |');
	}
	console.log(lines.join('\n'));
}

try {
	await run();
} catch (err) {
	failures.push('the run stopped: ' + (err.stack ?? describe(err)));
}
printTable();
if (failures.length > 0) {
	console.error(failures.length + ' mismatch(es):\n' + failures.map((f) => '  - ' + f).join('\n'));
	process.exit(1);
}
// The SDK keeps timers running; the test is over.
process.exit(0);
