// Package sandbox is an embedded, persistent imitation of the Agora Chat
// (Easemob) group REST API, for development and tests without a real app.
//
// It serves, under /{org_name}/{app_name}: group create, detail, modify
// (including ownership transfer), delete, list-all and a user's joined
// groups; members (list, add one or many, remove one or many) and admins
// (list, add, remove); moderation (mute list, mute, unmute, mute-all,
// block list, block, unblock, allow list, disable/enable, announcement);
// the endpoints the official Web SDK adds (public groups, a user's groups,
// invitations and applications, quit, shield, member attributes, shared
// files; "SDK endpoints" below); users (create one or many, get, update,
// delete). Requests
// need "Authorization: Bearer <AccessToken2 app token>" for Config.AppID and
// Config.AppCertificate. Data lives in {DataDir}/sandbox.db (SQLite, WAL,
// synchronous=FULL: nothing acknowledged is lost if the process is killed).
//
// Response shapes and error strings follow shared/reference/agora-chat-facts.md
// (the facts file), which wins over the seed page where they differ. Where
// the facts are unconfirmed or conflict, the sandbox chose as listed below.
//
// # Envelopes
//
//   - Success: action (lower-case HTTP method), application (an app UUID made
//     once and kept in the store), applicationName, organization, uri
//     (scheme://host/path as requested, no query), entities, data,
//     timestamp and duration (ms); count on detail, list-all, joined, member
//     list and admin list; cursor on list-all only when a next page exists;
//     params (every query parameter, unknown ones too, as arrays of strings)
//     only when there is a query string. No properties key; path only on
//     the user endpoints.
//   - Errors: error, exception, timestamp, duration, error_description.
//     Exception class names are the captured ones where known (e.g.
//     ResourceNotFoundException, GroupAuthorizationException,
//     SecurityException); the others are invented in the same style.
//   - Content-Type is "application/json;charset=UTF-8", as the service sends.
//
// # Checks, in order
//
// Unknown org/app (compared case-sensitively) → 404
// organization_application_not_found "Could not find application for
// {org}/{app} from URI: {path}", before authentication. Then the rate limit,
// then the token, then the body size, then routing. A known path with
// another method → 405 unsupported_service_operation "Service operation not
// supported" with an Allow header (the facts allow 405 or 500; 405 is the
// documented one). An unknown path under the app → 404
// service_resource_not_found "Service resource not found". A missing
// Content-Type is accepted (facts §2).
//
// # Authentication
//
//   - No header or an empty Bearer token → 401 group_authorization "token is blank!".
//   - Not an AccessToken2, or a scheme other than Bearer (matched
//     case-insensitively) → 401 auth_bad_access_token "Unable to
//     authenticate due to corrupt access token".
//   - Bad signature or another App ID → 401 auth_bad_access_token "Unable to authenticate".
//   - Expired (token or its app privilege) → 401 unauthorized "Unable to
//     authenticate due to expired access token".
//   - A Chat user token (privilege 1, built like an app token) is
//     verified the same way; its user id may be the user's UUID (Agora's
//     token pages) or the username (newer pages), both accepted. A user id
//     that names no user, or a token without either Chat privilege → 401
//     unauthorized "Unable to authenticate (OAuth)" with error_code 60001.
//   - The 24-hour maximum validity is not enforced beyond the token's own
//     expiry (unconfirmed whether the service does).
//
// # User tokens' rights
//
// App tokens may call everything. A user token acts as its user, with the
// rights the Web SDK's documentation describes (the facts are silent):
//
//   - App only (401 "Unable to authenticate (OAuth)", error_code 60001):
//     list-all, disable/enable, user create/delete.
//   - Anyone: create a group the user owns (another owner → the 403 below).
//   - The user itself: GET /users/{u}, its joined groups.
//   - Members, or anyone for a public group: detail, member list, admin
//     list, announcement. A non-member of a private group → 403
//     forbidden_op "users [u] are not members of this group!" with
//     error_code 60003 (the Web SDK: GROUP_NOT_JOINED).
//   - Owner or admins: PUT (except newowner), add/remove members, mute,
//     mute-all, block and allow lists and their changes, announcement set.
//     The owner: delete, admins add/remove, newowner. Otherwise → 403
//     forbidden_op "you have no permission to do this, group admin|owner
//     permission is required" with error_code 60002 (PERMISSION_DENIED).
//     Admins may act on other admins (no finer rule is modelled).
//   - A user on the group's block list → 403 forbidden_op "user: X is in
//     the blacklist of group: G" on every group endpoint (blocked users
//     cannot see group info; the Web SDK maps "is in the blacklist" to
//     PERMISSION_DENIED).
//   - A disabled group can still be read, but every other user-token call
//     on it → 403 forbidden_op "can not operate this group, reason: group is
//     disabled" (the Web SDK's GROUP_IS_DISABLED text). App tokens are not
//     refused.
//   - An unknown group is not a rights question: the endpoint's usual 404.
//
// error_code appears only on these errors: the facts list no error_code
// for the group API; the values are those the official Web SDK (agora-chat
// 1.4) maps to NO_PERMISSION, PERMISSION_DENIED and GROUP_NOT_JOINED.
//
// # CORS
//
// Config.AllowedOrigins lists the browser origins allowed (AnyOrigin "*":
// all; empty: none, the default). `groupdesk sandbox --demo` sets
// AnyOrigin unless --allowed-origins (SANDBOX_ALLOWED_ORIGINS) lists
// origins; the sandbox embedded in `groupdesk serve` allows none (only the
// dashboard calls it, from the server). A
// request with an allowed Origin gets Access-Control-Allow-Origin (the
// origin), Vary: Origin and Access-Control-Expose-Headers: Retry-After, on
// errors too. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) needs no token and is answered before any
// other check: 204 with Allow-Methods "GET, POST, PUT, DELETE",
// Allow-Headers echoing the request's (default "Authorization,
// Content-Type") and Max-Age 86400; from an origin not allowed → 403
// forbidden_op without CORS headers. OPTIONS without Origin is an ordinary
// request.
//
// # Rate limit
//
// Config.RateLimit > 0 enables one token bucket for the app (burst = the
// rate rounded up), counting every request that reached the app, even ones
// that then fail authentication. Over it: 429 reach_limit "This request has
// reached api limit" with Retry-After in whole seconds (at least 1). The
// service's per-endpoint limits (100/s, 50/s for joined groups) are not
// modelled separately.
//
// # Request bodies
//
//   - Over 1 MiB (a shared-file upload: 10 MB and its multipart framing)
//     → 413 with error and error_description both "Request Entity Too
//     Large" (the older documented form; the JSON-body case is
//     unconfirmed).
//   - Malformed JSON → 400 json_parse with Jackson-style text and a 1-based
//     line/column; an empty body → "No content to map due to end-of-input";
//     a non-object where an object is needed → "Cannot deserialize value of
//     type …". Content after the first JSON value is ignored, like Jackson.
//   - maxusers may be a JSON number or a string of digits (the seed types it
//     String and Jackson coerces "300"); whole floats like 300.0 pass. Other
//     values → 400 invalid_parameter "maxusers must be an integer".
//   - Booleans must be JSON booleans and strings JSON strings; otherwise 400
//     invalid_parameter "{key} must be …". On create a null counts as not
//     sent; on PUT it is 400 "{key} must not be null".
//   - Text limits are counted in characters (runes). groupname > 128,
//     description > 512, custom > 8192 on create / > 1024 on PUT → 403
//     exceed_limit "{key} cannot exceed to {n}" (the chatroom wording; the
//     group wording is unconfirmed). The description error names the key
//     that was sent ("desc" or "description"). avatar > 1024 → 400
//     invalid_parameter "avatar length is too big". "/" is allowed in names
//     (the seed's restriction is unconfirmed).
//   - Usernames are [a-zA-Z0-9_.-], at most 64, and lower-cased on input
//     everywhere (paths and bodies), so "Aa" and "aa" are one user.
//
// # Create (POST /chatgroups)
//
//   - public is checked first: missing or null → 400 invalid_parameter
//     "group must contain public field!". Then owner: missing or empty → 400
//     invalid_parameter "owner must be provided".
//   - Both "desc" (seed, Java SDK) and "description" (current docs) are
//     read; if both are sent, "description" wins. "membersonly",
//     "members_only" and "approval" (the Web SDK's name) all set
//     membersonly, in that order of precedence.
//   - Defaults: maxusers 200, invite_need_confirm true, the rest false or "".
//     groupname and description are optional. Public groups get
//     allowinvites=false whatever was sent (facts §3.1).
//   - maxusers < 1 → 400 invalid_parameter "maxusers must be at least 1";
//     above Config.MaxUsersPerGroup → 403 exceed_limit "maxUsers cannot
//     exceed {n}" (chatroom wording).
//   - members: duplicates and the owner are dropped; an empty array is
//     accepted (the seed's "at least one" is not enforced); more than 100, or
//     members+owner above maxusers → 403 exceed_limit "members size is
//     greater than max user size !".
//   - An owner or member that is not a user → 404 resource_not_found
//     "username {name} doesn't exist!" (first one, owner before members).
//   - Other keys (groupid, scale, …) are ignored; custom group ids are not
//     supported.
//   - Group ids are 16-digit decimal strings: creation ms × 1000 plus a
//     counter, strictly increasing and never reused, even after deletes.
//
// # Detail (GET /chatgroups/{id1,id2,…})
//
//   - A missing id → 404 service_resource_not_found "do not find this
//     group:{id}" (the captured response), not Easemob's documented
//     resource_not_found "grpID {id} does not exist!".
//   - Several ids where only some exist → 200 with the found groups in the
//     order asked and count = number found; when none exist, the 404 above
//     names the first id. Non-numeric ids count as missing; repeated ids are
//     answered once. More than 100 ids → 400 invalid_parameter "the number
//     of group ids is more than max limit : 100".
//   - Items: id, name, description, membersonly, allowinvites,
//     invite_need_confirm, maxusers (number), owner (plain username),
//     created (number, ms), custom ("" when unset), mute, disabled,
//     affiliations_count (all members, owner included), affiliations,
//     public; avatar only when set. affiliations lists members most
//     recently joined first and the owner last (the seed example's order),
//     admins as "member", at most 10,000 entries (9,999 members + owner).
//
// # Modify (PUT /chatgroups/{id})
//
//   - Accepted keys: groupname, description, maxusers, membersonly,
//     allowinvites, invite_need_confirm, custom, public, avatar, newowner.
//     Anything else, "desc" and "members_only" included → 400
//     invalid_parameter "some of [k1, k2] are not valid fields" (keys sorted;
//     rejecting "desc" catches clients that follow the seed's wrong table;
//     the service's behaviour is unconfirmed).
//   - data echoes exactly the keys sent, each true; {} is a 200 with data {}.
//   - maxusers below the current member count → 403 forbidden_op "current
//     user count is larger than the maxUsers that you want to update !"
//     (chatroom wording).
//   - newowner may come alone (data {"newowner":true}) or with other keys,
//     applied in one transaction. Not a member → 403 forbidden_op "user: X
//     doesn't exist in group: G"; the current owner → 403 forbidden_op "new
//     owner and old owner are the same". The old owner stays as a member.
//   - Setting public=true on PUT does not force allowinvites (only create does).
//   - Unknown group (or non-numeric id) → 404 resource_not_found "grpID {id} does not exist!".
//
// # Delete (DELETE /chatgroups/{id})
//
// data {"success":true,"groupid":"{id}"}; unknown → 404 resource_not_found
// "grpID {id} does not exist!".
//
// # List all (GET /chatgroups?limit=&cursor=)
//
//   - Newest first. limit defaults to 10 and is clamped to
//     Config.ListLimitMax (default 1000, the current docs' maximum); a
//     non-integer or < 1 → 400 invalid_parameter.
//   - Items: owner "{org}#{app}_{username}", groupid, affiliations (member
//     count, owner included), type "group", groupname, and the last change
//     as a string of ms under "lastModified" (current docs) — or
//     "last_modified" (seed, Easemob before 2024) with
//     Config.LegacyLastModified; never both. A group's last change is its
//     creation, a PUT, an ownership transfer or a membership change.
//   - Keyset paging: the cursor is base64 (URL alphabet, no padding) of
//     "im:group:{org}#{app}:{last id}" and the next page is the groups with
//     a smaller id, so a page costs the same at any depth. The standard
//     alphabet, padding, and a space for an unescaped "+" are tolerated. A
//     cursor that does not decode, or was made for another app → 400
//     invalid_parameter "cursor {c} is not valid: …". Groups created during
//     a walk are not part of it; deleted ones not reached yet are skipped.
//   - cursor is absent on the last page (the sandbox reads one extra row to
//     know), so no walk ends with an empty page.
//
// # Joined groups (GET /users/{username}/joined_chatgroups?pagenum=&pagesize=)
//
//   - Items {"groupid","groupname"}, most recently joined first, count =
//     items returned.
//   - Without pagenum and pagesize: up to 500 groups (EM-OLD, AG-CN-2023).
//   - pagesize defaults to Config.JoinedPageSizeDefault (10), the EM-OLD /
//     AG-CN-2023 default, and is clamped to Config.JoinedPageSizeMax (500,
//     the page size the Web SDK documents; EM-OLD / AG-CN-2023 say 100,
//     AG-EN [1,20]/5). pagenum starts at 1. Either alone takes the other's
//     default. A non-integer or < 1 → 400 invalid_parameter. A page past the
//     end → 200 with data [] and count 0 (the seed's example).
//   - Unknown user → 404 resource_not_found "username {name} doesn't exist!".
//
// # Members and admins (facts §5)
//
//   - GET /chatgroups/{id}/users: pagesize default 10, clamped to 100, pagenum
//     from 1 (AG-EN; Easemob's newer [1,1000]/1000 is not used); without
//     parameters the first 10. The owner comes first, then the others in
//     join order; admins are "member". Unknown group → 404
//     service_resource_not_found "do not find this group:{id}".
//     joined_time=true adds "joined_time" (Unix ms, a number) to each item,
//     here and on the detail's affiliations. Config.MemberListAdminKey
//     writes admins as {"admin":u} here instead (one EM-NEW revision).
//   - Cursor variant: limit and/or cursor (without pagenum/pagesize), or
//     version=v3, pages by join order (sort=desc reverses it); limit
//     defaults to 50 (the Web SDK's) and is clamped to 1000; "cursor" is
//     present while more follow; a bad cursor → 400 invalid_parameter. With
//     version=v3 (the Java SDK) data is plain usernames without the owner;
//     without it (the Web SDK's getGroupMembers) data is role objects,
//     owner included, admins as {"admin":u} (the Web SDK reads
//     owner/admin/member), with joined_time when asked.
//   - POST /chatgroups/{id}/users/{u} → {"result":true,"groupid","action":"add_member","user"};
//     already a member → 403 forbidden_op "can not join this group,
//     reason:user: X already in group: G"; blocked → 403 forbidden_op "can
//     not join this group, reason:user: X is in the blacklist of group: G"
//     (the service's text is undocumented; client SDKs look for "is in the
//     blacklist"); full → 403 exceed_limit "members size is greater than max
//     user size !" (single add: inferred); with
//     Config.MaxJoinedGroupsPerUser > 0, a user already in that many groups
//     → 403 exceed_limit "user X has joined too many groups!" (off by
//     default: the limit depends on the plan). need_notify is accepted and
//     ignored.
//   - POST /chatgroups/{id}/users {"usernames":[…]}: more than 60 entries
//     (counted before duplicates are dropped) → 400 invalid_parameter
//     "addMembers: addMembers number more than maxSize : 60"; none → 400
//     "usernames must be provided". Users already in the group (the owner
//     too) are skipped and "newmembers" lists only those added (in request
//     order); one unknown or blocked user, or going past maxusers, fails the
//     whole call (nobody is added) with the single add's error.
//   - DELETE /chatgroups/{id}/users/{u}: one name (no comma) answers an
//     object and fails like the single endpoint: unknown user 404
//     resource_not_found "username X doesn't exist!", not a member 403
//     forbidden_op "users [X] are not members of this group!", the owner 403
//     forbidden_op "forbidden operation on group owner!". With a comma it
//     answers an array, one {"result","action":"remove_member","reason"?,
//     "user","groupid"} per user; reasons: "user X doesn't exist.",
//     "forbidden operation on group owner!", "user: X doesn't exist in
//     group: G". More than 60 names → 400 invalid_parameter "kickMember:
//     kickMembers number more than maxSize : 60". Even when nobody was
//     removed the batch answers 200 with the array (the facts' whole-call
//     403 for "none is a member" is not modelled here, unlike block and
//     allow). Leaving takes the admin role and the allow-list entry; a mute
//     stays (it outlives leaving and re-joining).
//   - Admins: GET answers usernames in join order with count. POST
//     {"newadmin":u} → {"result":"success","newadmin":u}; not a member → 404
//     resource_not_found "user: X doesn't exist in group: G"; the owner →
//     403 forbidden_op "forbidden operation on group owner!"; already an
//     admin → 403 forbidden_op "user: X is already admin of group: G"; 99
//     admins already → 403 exceed_limit "the number of admins has reached the
//     limit : 99". DELETE → {"result":"success","oldadmin":u}; not an admin →
//     403 forbidden_op "user:X is not admin of group:G".
//   - Member and admin endpoints on an unknown group → 404 resource_not_found
//     "grpID {id} does not exist!" (except the member list, above).
//
// # Users (Easemob shapes)
//
//   - POST /users takes {"username","password"} or an array of them (at most
//     60, else 400 illegal_argument), all or nothing. The password is
//     required (400 illegal_argument "password must be provided") but never
//     stored. An invalid name → 400 illegal_argument "username [X] is not
//     legal: …"; an existing one → 400 duplicate_unique_property_exists
//     "Application {uuid} Entity user requires that property named username
//     be unique, value of X exists".
//   - Responses carry path "/users", entities of {uuid, type "user",
//     created, modified, username, activated true} and data []; GET adds
//     count 1. Unknown user on GET or DELETE → 404 service_resource_not_found
//     "Service resource not found".
//   - DELETE /users/{u} removes the user from every group and deletes the
//     groups the user owns, as Easemob does.
//
// # Moderation (moderation facts §2, §3)
//
// Shared rules:
//
//   - Unknown group (or a non-numeric id) → 404 resource_not_found "grpID
//     {id} does not exist!" on every endpoint below.
//   - Names in a path may be a comma list ("u1,u2" or "u1%2Cu2"), at most
//     60; in a body {"usernames":[…]}, at most 60 (counted before duplicates
//     are dropped), at least one (else 400 invalid_parameter "usernames must
//     be provided"). Over 60 → 400 invalid_parameter with the endpoint's
//     documented text.
//   - Per-user items carry result (JSON bool), action, reason (failures
//     only), user, groupid, in request order. Reasons: not a member "user: X
//     doesn't exist in group: G"; the owner "forbidden operation on group
//     owner!"; not a user "user X doesn't exist.".
//   - Endpoints with a one-user form (block one, unblock, allow add one)
//     answer an object for a single name without a comma, and a refusal as
//     an error: not a member → 403 forbidden_op "users [X] are not members
//     of this group!", the owner → 403 forbidden_op "forbidden operation on
//     group owner!", not a user → 404 resource_not_found "username X doesn't
//     exist!". A batch answers the array, unless no user at all was handled:
//     then the first user's error (the facts infer a whole-call 403).
//   - action in the envelope is the lower-case HTTP method everywhere (the
//     service's is unreliable: GET mute was captured as "post", POST /ban as
//     "put"; clients must ignore it).
//   - With an app token nothing is refused on a disabled group (unconfirmed
//     whether the service refuses REST moderation there); user tokens are
//     (see "User tokens' rights").
//
// Mute (GET/POST /chatgroups/{id}/mute, DELETE …/mute/{u1,u2}):
//
//   - POST {"usernames","mute_duration"}: duration in ms; -1 (and a missing
//     mute_duration, as the Java SDK sends) = until unmuted, reported as
//     expire -1 (the service's value is undocumented); 0 lifts the mute and
//     answers expire 0; anything below -1 or not an integer → 400
//     invalid_parameter. Otherwise expire = the sandbox clock (Config.Now) +
//     duration. Muting again replaces the expiry. All or nothing: a
//     non-member (or unknown user) → 403 forbidden_op "users [X] are not
//     members of this group!" (Config.MuteNonMemberBadRequest: 400
//     invalid_parameter, as captured in 2019); the owner → 403 forbidden_op
//     "forbidden operation on group owner!". data: [{"result":true,"expire",
//     "user"}].
//   - GET: [{"expire","user"}] in the order muted, no count. A mute whose
//     expire has passed on the sandbox clock is gone from the list and from
//     every check: it ends by itself.
//   - A mute survives leaving and re-joining the group, and mute-all.
//   - DELETE: always an array [{"result","user"}]; a user without an active
//     mute → {"result":false,"reason":"user: X is not muted in group: G"}
//     (undocumented).
//
// Mute-all (POST/DELETE /ban) → {"mute":true|false}, idempotent; it sets
// the detail's "mute" and leaves the mute list alone. Disable/enable (POST
// /disable, /enable) → {"disabled":true|false}, shown as "disabled" in the
// detail.
//
// Block list (/chatgroups/{id}/blocks/users):
//
//   - Blocking a member takes the user out of the group (member count,
//     admin role and allow-list entry go; a mute stays). A blocked user is
//     not a member, so blocking again is the not-members refusal, and
//     adding them is refused (above) until unblocked. Unblocking does not
//     re-add.
//   - GET: usernames newest first, with count. Without parameters up to
//     500; with pageSize (camel case) and/or cursor at most 50 a page
//     (pageSize defaults to 50) and a cursor while more follow (an opaque
//     base64 string; a bad one → 400 invalid_parameter).
//   - Unblocking a name that is not on the list: single → 403 forbidden_op
//     "users [X] are not members of this group!" (EM's text for this case);
//     in a batch → reason "user: X is not in the blacklist of group: G".
//
// Allow list (/chatgroups/{id}/white/users):
//
//   - GET lists the owner, the admins (join order), then explicit entries
//     (order added), with count; a fresh group answers ["owner"], count 1,
//     as captured. Only members can be added (adding the owner or an admin
//     is a harmless success); leaving the group or being blocked removes
//     the entry.
//   - DELETE is always an array (one name or many). The owner →
//     reason "forbidden operation on group owner!"; an admin → "user: X is
//     admin of group: G" (they stay on the list); not on it → "user: X is
//     not in the whitelist of group: G". All undocumented.
//
// Announcement (/chatgroups/{id}/announcement): GET → {"announcement":
// text} ("" when unset) with count 0, as captured. POST {"announcement"}
// replaces it → {"id":gid,"result":true}; missing or null → 400
// illegal_argument "announcement is null"; over 512 characters → 403
// forbidden_op "announce info length exceeds limit!" (EM also lists
// FORBIDDEN as the code). Content moderation is not modelled.
//
// Owner rules: the owner cannot be removed, muted, blocked or demoted
// (DELETE /admin/{owner} → 403 forbidden_op "user:X is not admin of
// group:G"); a transfer to an admin takes the admin role away.
//
// # SDK endpoints (the official Web SDK, agora-chat 1.4)
//
// The facts files do not cover these; shapes follow what the SDK parses,
// and choices are the sandbox's:
//
//   - GET /publicchatgroups?limit=&cursor=: public groups newest first as
//     [{"groupid","groupname"}] (the SDK's BaseGroupInfo), count, and the
//     list-all cursor while more follow. Any token.
//   - GET /chatgroups/user/{u}?pagenum=&pagesize=[&needAffiliations=&needRole=]:
//     the user's groups, most recently joined first, in "entities" (where
//     the SDK reads them; data is []): groupId, name, description, public,
//     membersonly, allowinvites, maxusers, disabled, affiliations_count and
//     permission (owner, admin or member); paged like joined groups.
//     …/joined_count → data: the number of groups. The user itself or the app.
//   - POST /chatgroups/{id}/invite {"usernames"}: per-user array, action
//     "invite"; a member may invite only when allowinvites is on (else 403
//     PERMISSION_DENIED), the owner and admins always. With
//     invite_need_confirm the invitation waits for the invitee, otherwise
//     the user joins at once. Failures: already a member, blocked, no such
//     user, full, with the add's texts as reasons.
//   - POST /chatgroups/{id}/invite_verify {"invitee","verifyResult"}: the
//     invitee (or the app) accepts (joins, with the add's checks) or
//     declines; no pending invitation → 403 forbidden_op "user: X has no
//     invitation to group: G".
//   - POST /chatgroups/{id}/apply {"message"} (user tokens only; an app
//     token → 400): a public group takes the user at once, or, with
//     membersonly (the SDK's "approval"), records a request; a private group
//     → 403 PERMISSION_DENIED; already a member or blocked → the add's 403.
//     POST …/apply_verify {"applicant","verifyResult","reason"} by the owner
//     or an admin settles it; no request → 403 forbidden_op "user: X has
//     not applied to join group: G". The message and reason are not kept.
//   - DELETE /chatgroups/{id}/quit (user tokens): the caller leaves (as a
//     removal: admin role and allow entry go, a mute stays); the owner →
//     403 "forbidden operation on group owner!"; a non-member → 403 with
//     error_code 60003.
//   - POST/DELETE /chatgroups/{id}/shield (user tokens, members): the
//     caller blocks or unblocks the group's messages for itself; kept, but
//     the sandbox delivers no messages. data {"result","groupid","user","shield"}.
//   - GET /sdk/chatgroups/{id}/mute/{u} (members): data is a bare boolean,
//     whether u has an active mute (the SDK's isInGroupMutelist).
//   - PUT /users/{u} (the user itself or the app): notification and push
//     settings are accepted and echoed in the entity, not kept.
//   - The SDK's extra query parameters (resource, version=v3 outside the
//     member list) are accepted and echoed in params.
//   - cursor=undefined or cursor=null (what the SDK sends for the first
//     page of getGroupMembers: the JavaScript value as text) means no
//     cursor, on the member list's cursor variant and /publicchatgroups.
//   - GET /chatgroups/{id}/white/users/{u} (isInGroupAllowlist) → data
//     {"member":u,"white":bool} (the SDK's IsInGroupWhiteListResult); the
//     owner and admins are always on the list. A member may ask about
//     itself, the owner and admins about anyone (else PERMISSION_DENIED).
//   - Group member attributes: PUT /sdk/metadata/chatgroup/{id}/user/{u}
//     {"metaData":{k:v}} sets (an empty value deletes a key; data echoes
//     metaData); POST /sdk/metadata/chatgroup/{id}/get {"targets",
//     "properties"} → data {user: {k: v}} (only the keys asked, all when
//     none; {} for a user without any). A member sets its own, the owner
//     and admins anyone's; another member's → 400 invalid_parameter with
//     error_code 60010 (the SDK: NO_PERMISSION). Keys 1–16 bytes, values up
//     to 512 (Agora's documented limits) → else 400 error_code 60010
//     "exceeds chatgroup user metadata single value limit…" (the SDK:
//     MAX_LIMIT). A non-member caller or target → 404 resource_not_found
//     with error_code 60003: the SDK recognises "not joined" on these paths
//     only that way (its 403 text check wants "chatgroups" in the URL).
//     Attributes go when the member leaves. The 4 KB total per member and
//     the 10-user batch of getGroupMembersAttributes are not enforced.
//   - Shared files (moderation facts §2.14): POST
//     /chatgroups/{id}/share_files (multipart, part "file", up to 10 MB;
//     larger → 413; no part → 400 illegal_argument "file must be
//     provided.") → data {file_url (the download URL), group_id,
//     file_name, created, file_id (a UUID), file_size}; GET …/share_files
//     ?pagenum=&pagesize= (default and maximum 1000) → newest first,
//     {file_id, file_name, file_owner, file_size, created}, with count; GET
//     …/share_files/{file} → the bytes (application/octet-stream, no
//     envelope); DELETE → {"group_id","file_id","result":true}. Members
//     upload, list and download; the uploader, the owner and admins
//     delete (else PERMISSION_DENIED). An app token's uploads have owner
//     "admin". An unknown file → 404 resource_not_found "shared file F not
//     found in group G" (the SDK: WEBIM_DOWNLOADFILE_ERROR on download).
//     At most 10,000 files a group (403 exceed_limit); files do not
//     expire (the service keeps them 7 days by default).
//
// What the SDK makes of the answers (agora-chat 1.4, checked by
// sdk_node_test.go): a 403 whose text contains "are not members of this
// group" is GROUP_NOT_JOINED, error_code 60002 PERMISSION_DENIED, any
// other 403 PERMISSION_DENIED too (so applying twice is PERMISSION_DENIED:
// GROUP_ALREADY_JOINED is only for an invitation's text); 401 with 60001
// NO_PERMISSION; a 404 on a group path saying "does not exist" or "do not
// find this group" GROUP_NOT_EXIST. getJoinedGroups with needRole or
// needAffiliations returns the groups in entities (data stays []).
// uploadGroupSharedFile reports every answer but a 400 as complete, so a
// refused upload completes with the error body.
//
// # Demo data (SeedDemo)
//
// 40 named groups (the newest) with admins; every fifth has an
// announcement; some (i%4 == 1) have a user muted for a day, one muted
// until unmuted, an allow-list entry and a blocked user. The user
// "spammer" is in 200 groups and owns 20 ("高薪招聘 日结 1", "Free ebook
// downloads 2", …); 160 older ordinary groups ("Book Swap 5", "校园招聘 6",
// …) are there for the spammer to have joined.
//
// # Not modelled
//
// is_joined, the /token endpoint, per-app group quotas, content
// moderation, messages (so the Web SDK's getGroupMsgReadUser, which reads
// a message's read receipts, is not served), threads and custom group ids.
//
// # Store
//
// One writer connection (immediate transactions, queued in database/sql
// instead of retrying SQLITE_BUSY) and a small pool of read-only readers.
// groups keeps its member count, so list-all reads no membership rows;
// members is indexed by (group, join order) and (user, join order).
// list-all pages by key, so its cost does not grow with depth; the joined
// and member lists are numbered pages (pagenum), so a deep page skips
// pagenum×pagesize index entries (about 20 ms at 190,000). Schema
// versions: 3 adds member_attrs, 4 shared_files (contents kept in the
// database, so the data directory grows with uploads).
package sandbox
