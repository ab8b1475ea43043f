// Package agora is a client for the Agora Chat REST API (a white-label of
// Easemob IM): groups, their members and admins, and users.
//
// # Usage
//
//	client, err := agora.NewClient(agora.Config{
//		Host:           "https://a41.chat.agora.io",
//		OrgName:        "41117440",
//		AppName:        "383391",
//		AppID:          os.Getenv("AGORA_APP_ID"),
//		AppCertificate: os.Getenv("AGORA_APP_CERTIFICATE"),
//	})
//	if err != nil { … }
//
//	opts := &agora.ListOptions{Limit: 50}
//	for {
//		groups, resp, err := client.Groups.List(ctx, opts)
//		if err != nil { … }
//		…
//		if resp.Cursor == "" {
//			break
//		}
//		opts.Cursor = resp.Cursor
//	}
//
// Every method takes a context and returns a *Response (the http.Response
// plus the envelope's cursor, count, timestamp and duration, and the number
// of attempts) whenever the server answered, also with an error.
//
// # Authentication
//
// With AppID and AppCertificate the client builds AccessToken2 ("007") app
// tokens itself (token.go), caches one and builds the next when less than a
// fifth of its lifetime (or 5 minutes) remains; concurrent calls share one
// build. A fixed AppToken is sent as is. Tokens and certificates never
// appear in errors, logs or String output.
//
// # Errors
//
// A non-2xx answer is an *Error carrying Agora's "error" code and
// "error_description", and the client's reading of them: Reason (what kind
// of failure: unknown user, not a member, owner protected, group full, app
// not found, rate limited…), User and Field when the text names them.
// Callers switch on ReasonOf(err) and never parse Agora's text. Test the
// status class with errors.Is against ErrNotFound (404; ReasonAppNotFound
// tells a wrong org/app from a missing group), ErrUnauthorized (401),
// ErrForbidden (403), ErrRateLimited (429), ErrInvalidInput (400/413/415
// and client-side checks) and ErrUnavailable (5xx and network failures). A call that got no answer is a *RequestError;
// a 2xx the client could not read is a *ResponseError (ErrBadResponse).
// A request that breaks a documented rule (username characters, name and
// description lengths, at most 100 members on create…) is a
// *ValidationError and is not sent. A modify call that returned 200 but
// reported some fields as not applied is a *NotAppliedError.
//
// # Retries and rate limits
//
// GET calls are retried on 429, 502, 503, 504 and network failures, up to 3
// times with exponential backoff and full jitter, honouring Retry-After up to
// 10 seconds (a longer one is returned to the caller: see RetryAfter).
// DELETE calls are retried only when the server cannot have acted on them
// (connection failure before the request was sent, 429, 503). POST and PUT
// are never retried. A client-side limiter keeps under Agora's per-app
// limits: 100 calls/s, 50 calls/s for a user's joined groups (facts §4.1).
//
// # Observing
//
// WithObserver reports every HTTP attempt (endpoint as a route template
// such as "GET /chatgroups/{group_id}", status, duration), every retry,
// every wait for the rate limiter and every token renewal to an Observer,
// a struct of optional functions; the package itself imports no metrics
// library. Observers never see tokens, certificates, ids or query strings.
//
// # Deviations from the seed page
//
// The seed page ("创建群组", shared/spec/groups-rest-api.zh.md) is the first
// revision of Agora's Chinese doc and has mistakes; this package follows
// shared/reference/agora-chat-facts.md (§7) where they disagree:
//
//   - Paths have a single slash after the host; the seed's DELETE URL has
//     "//" (a typo, fixed in later revisions).
//   - The joined-groups path is /{org}/{app}/users/{username}/joined_chatgroups;
//     the seed's paged URL omits {org}.
//   - Create sends the description as "desc" (seed, Java server SDK and
//     captured traffic); PUT sends it as "description" (the seed's PUT table
//     says "desc" but its example and the real server use "description").
//   - PUT is sparse: every key is optional and only set fields are sent (the
//     seed marks groupname and desc as required). The server echoes each sent
//     key with a flag, including custom and the other keys the seed's response
//     table omits; a false or missing flag is a *NotAppliedError.
//   - maxusers is a JSON number in requests and responses, not a String.
//   - list-all: limit and cursor are query parameters (the seed lists them
//     under "request body"), limit is an integer; count and cursor are
//     top-level envelope keys (the seed puts them among the data items), and
//     cursor is absent on the last page.
//   - list-all: owner is "{org}#{app}_{username}"; the client strips that exact
//     prefix (usernames may contain "_" and "#" is never split on).
//   - list-all: the modification time is read from "lastModified" (current
//     docs) or "last_modified" (seed), a string of Unix milliseconds.
//   - list-all "affiliations" is a member count; in the detail it is the member
//     array (both per the seed; GroupSummary.MemberCount vs Group.Affiliations).
//   - The detail response also carries a top-level "count", and the seed's
//     detail and joined-groups examples have trailing commas (invalid JSON);
//     real responses are valid JSON.
//   - The common response field the seed calls "Long" is "timestamp" (ms).
//   - Auth is "Authorization: Bearer <app token>"; the seed's auth section is
//     an unresolved include.
//   - Detail of several ids: the seed says missing ids return "group id doesn't
//     exist"; the client drops missing ids (a batch where all are missing is a
//     404 and yields nothing) and reports a single missing id as ErrNotFound.
//     At most 100 ids go in one call; larger requests are split.
//   - Create: members is limited to 100 (seed), custom to 1024 characters
//     (seed; the current docs allow 8 KB on create, the client keeps the
//     stricter limit that also holds for PUT), maxusers to at least 1; the
//     seed's 2000 maximum depends on the plan and is left to the server.
//   - Username rules are the seed's (1–64 of a-z, A-Z, 0-9, "_", "-", ".").
package agora
