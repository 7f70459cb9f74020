package server

import "net/http"

// route is one endpoint: a method, a net/http pattern, and its handler.
type route struct {
	Method  string
	Pattern string
	Handler http.Handler
}

// routes lists every HTTP route of Lifeline. The OpenAPI test checks the /api/v1 ones
// against openapi.json in both directions.
func (s *Server) routes() []route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []route{
		// Operations.
		{"GET", "/healthz", h(s.healthz)},
		{"GET", "/readyz", h(s.readyz)},
		{"GET", "/metrics", s.metricsHandler()},
		// Public: calendar feeds behind an unguessable, revocable token.
		{"GET", "/ics/{token}", s.publicAPI(s.icsFeed)},
		// Public: acknowledgement links (the link is the credential) and provider callbacks
		// on a secret path.
		{"GET", "/a/{token}", s.publicAPI(s.getAck)},
		{"POST", "/a/{token}", s.publicAPI(s.postAck)},
		{"POST", "/hooks/providers/{id}/{secret}", s.publicAPI(s.providerCallback)},
		{"GET", "/hooks/providers/{id}/{secret}", s.publicAPI(s.providerCallback)}, // WeCom checks the URL with a GET

		// API: documentation and the caller.
		{"GET", "/api/v1/openapi.json", s.publicAPI(s.openAPI)},
		{"GET", "/api/v1/me", s.api(s.getMe)},
		{"GET", "/api/v1/search", s.api(s.search)},

		// API: departments.
		{"GET", "/api/v1/departments", s.api(s.listDepartments)},
		{"POST", "/api/v1/departments", s.api(s.createDepartment)},
		{"GET", "/api/v1/departments/{id}", s.api(s.getDepartment)},
		{"PATCH", "/api/v1/departments/{id}", s.api(s.updateDepartment)},
		{"DELETE", "/api/v1/departments/{id}", s.api(s.deleteDepartment)},
		{"GET", "/api/v1/departments/{id}/history", s.api(s.departmentHistory)},

		// API: people, their channels and emergency contacts.
		{"GET", "/api/v1/people", s.api(s.listPeople)},
		{"POST", "/api/v1/people", s.api(s.createPerson)},
		{"GET", "/api/v1/people/{id}", s.api(s.getPerson)},
		{"PATCH", "/api/v1/people/{id}", s.api(s.updatePerson)},
		{"DELETE", "/api/v1/people/{id}", s.api(s.deletePerson)},
		{"GET", "/api/v1/people/{id}/history", s.api(s.personHistory)},
		{"POST", "/api/v1/people/{id}/reveal", s.api(s.revealPerson)},
		{"GET", "/api/v1/people/{id}/access-log", s.api(s.personAccessLog)},

		// API: external organizations and their contacts.
		{"GET", "/api/v1/organizations", s.api(s.listOrganizations)},
		{"POST", "/api/v1/organizations", s.api(s.createOrganization)},
		{"GET", "/api/v1/organizations/{id}", s.api(s.getOrganization)},
		{"PATCH", "/api/v1/organizations/{id}", s.api(s.updateOrganization)},
		{"DELETE", "/api/v1/organizations/{id}", s.api(s.deleteOrganization)},
		{"GET", "/api/v1/organizations/{id}/history", s.api(s.organizationHistory)},
		{"POST", "/api/v1/organizations/{id}/reveal", s.api(s.revealOrganization)},
		{"POST", "/api/v1/organizations/{id}/contacts", s.api(s.createContact)},
		{"PATCH", "/api/v1/organizations/{id}/contacts/{cid}", s.api(s.updateContact)},
		{"DELETE", "/api/v1/organizations/{id}/contacts/{cid}", s.api(s.deleteContact)},

		// API: accounts and tokens.
		{"GET", "/api/v1/users", s.api(s.listUsers)},
		{"POST", "/api/v1/users", s.api(s.createUser)},
		{"GET", "/api/v1/users/{id}", s.api(s.getUser)},
		{"PATCH", "/api/v1/users/{id}", s.api(s.updateUser)},
		{"GET", "/api/v1/users/{id}/tokens", s.api(s.listTokens)},
		{"POST", "/api/v1/users/{id}/tokens", s.api(s.createToken)},
		{"DELETE", "/api/v1/users/{id}/tokens/{tid}", s.api(s.revokeToken)},

		// API: the audit log (security officer only).
		{"GET", "/api/v1/audit", s.api(s.searchAudit)},

		// API: account security — MFA, re-authentication (block owned by the hardening work).
		{"GET", "/api/v1/me/mfa", s.api(s.getMyMFA)},
		{"POST", "/api/v1/me/mfa", s.api(s.beginMFA)},
		{"DELETE", "/api/v1/me/mfa", s.api(s.removeMyMFA)},
		{"POST", "/api/v1/me/mfa/confirm", s.api(s.confirmMFA)},
		{"POST", "/api/v1/me/mfa/recovery-codes", s.api(s.regenerateRecoveryCodes)},
		{"DELETE", "/api/v1/users/{id}/mfa", s.api(s.resetUserMFA)},
		{"POST", "/api/v1/session/reauth", noIdempotencyKey(s.api(s.reauth))},
		{"GET", "/api/v1/settings/security", s.api(s.getSecuritySettings)},
		{"PATCH", "/api/v1/settings/security", s.api(s.updateSecuritySettings)},

		// API: exports with four-eyes approval (block owned by the export work).
		{"GET", "/api/v1/exports", s.api(s.listExports)},
		{"POST", "/api/v1/exports", s.api(s.createExport)},
		{"GET", "/api/v1/exports/{id}", s.api(s.getExport)},
		{"POST", "/api/v1/exports/{id}/approve", s.api(s.approveExport)},
		{"POST", "/api/v1/exports/{id}/reject", s.api(s.rejectExport)},
		{"GET", "/api/v1/exports/{id}/download", s.api(s.downloadExport)},

		// API: incidents, break-glass, retention and personal-data rights.
		{"GET", "/api/v1/incidents", s.api(s.listIncidents)},
		{"POST", "/api/v1/incidents", s.api(s.reportIncident)},
		{"GET", "/api/v1/incidents/{id}", s.api(s.getIncident)},
		{"POST", "/api/v1/incidents/{id}/close", s.api(s.closeIncident)},
		{"POST", "/api/v1/incidents/{id}/break-glass", s.api(s.openBreakGlass)},
		{"GET", "/api/v1/incidents/{id}/timeline", s.api(s.incidentTimeline)},
		{"POST", "/api/v1/incidents/{id}/updates", s.api(s.addIncidentUpdate)},

		// API: notifications of an incident, their live board, and the provider accounts.
		{"POST", "/api/v1/incidents/{id}/notifications", s.api(s.createNotification)},
		{"GET", "/api/v1/incidents/{id}/notifications", s.api(s.listNotifications)},
		{"POST", "/api/v1/incidents/{id}/notifications/preview", s.api(s.previewNotification)},
		{"GET", "/api/v1/incidents/{id}/notifications/{nid}", s.api(s.getNotification)},
		{"POST", "/api/v1/incidents/{id}/notifications/{nid}/approve", s.api(s.approveNotification)},
		{"POST", "/api/v1/incidents/{id}/notifications/{nid}/cancel", s.api(s.cancelNotification)},
		{"GET", "/api/v1/incidents/{id}/notifications/{nid}/board", s.api(s.notificationBoard)},
		{"GET", "/api/v1/incidents/{id}/notifications/{nid}/events", s.api(s.notificationEvents)},
		{"GET", "/api/v1/providers", s.api(s.listProviders)},
		{"POST", "/api/v1/providers", s.api(s.createProvider)},
		{"PATCH", "/api/v1/providers/{id}", s.api(s.updateProvider)},
		{"GET", "/api/v1/incidents/{id}/report", s.api(s.incidentReport)},
		{"GET", "/api/v1/drills", s.api(s.listDrills)},
		{"GET", "/api/v1/remediation-tasks", s.api(s.listRemediationTasks)},
		{"POST", "/api/v1/remediation-tasks/{id}/done", s.api(s.completeRemediationTask)},
		{"GET", "/api/v1/break-glass", s.api(s.listBreakGlass)},
		{"POST", "/api/v1/break-glass/{id}/end", s.api(s.endBreakGlass)},
		{"GET", "/api/v1/break-glass/{id}/contacts", s.api(s.breakGlassContacts)},
		{"GET", "/api/v1/me/data", s.api(s.myData)},
		{"GET", "/api/v1/keys", s.api(s.keyStatus)},

		// API: data quality.
		{"GET", "/api/v1/quality/findings", s.api(s.listFindings)},
		{"POST", "/api/v1/quality/recheck", s.api(s.recheckQuality)},
		{"GET", "/api/v1/quality/summary", s.api(s.qualitySummary)},
		{"POST", "/api/v1/quality/cross-check", s.apiLimit(importUploadLimit, s.crossCheck)},
		{"GET", "/api/v1/people/{id}/scores", s.api(s.personScores)},

		// API: in-app alerts of the caller.
		{"GET", "/api/v1/alerts", s.api(s.listAlerts)},
		{"POST", "/api/v1/alerts/{id}/read", s.api(s.readAlert)},

		// API: events from the HR system.
		{"POST", "/api/v1/hr/events", s.api(s.hrEvent)},

		// API: imports.
		{"POST", "/api/v1/imports", s.apiLimit(importUploadLimit, s.importPeople)},
		{"GET", "/api/v1/imports/template", s.api(s.importTemplate)},

		// API: working days (Chinese statutory calendar).
		{"GET", "/api/v1/workdays", s.api(s.listWorkdays)},
		{"GET", "/api/v1/workdays/add", s.api(s.addWorkdays)},
		{"PUT", "/api/v1/workdays/overrides/{date}", s.api(s.putWorkdayOverride)},
		{"DELETE", "/api/v1/workdays/overrides/{date}", s.api(s.deleteWorkdayOverride)},

		// API: rosters.
		{"GET", "/api/v1/roster-templates", s.api(s.rosterTemplates)},
		{"GET", "/api/v1/rosters", s.api(s.listRosters)},
		{"POST", "/api/v1/rosters", s.api(s.createRoster)},
		{"GET", "/api/v1/rosters/{id}", s.api(s.getRoster)},
		{"PATCH", "/api/v1/rosters/{id}", s.api(s.updateRoster)},
		{"DELETE", "/api/v1/rosters/{id}", s.api(s.deleteRoster)},
		{"GET", "/api/v1/rosters/{id}/history", s.api(s.rosterHistory)},
		{"POST", "/api/v1/rosters/{id}/members", s.api(s.addRosterMember)},
		{"PATCH", "/api/v1/rosters/{id}/members/{mid}", s.api(s.updateRosterMember)},
		{"DELETE", "/api/v1/rosters/{id}/members/{mid}", s.api(s.removeRosterMember)},
		{"GET", "/api/v1/rosters/{id}/rotations", s.api(s.listRotations)},
		{"POST", "/api/v1/rosters/{id}/rotations", s.api(s.createRotation)},
		{"PATCH", "/api/v1/rosters/{id}/rotations/{rid}", s.api(s.updateRotation)},
		{"DELETE", "/api/v1/rosters/{id}/rotations/{rid}", s.api(s.deleteRotation)},
		{"POST", "/api/v1/rosters/{id}/rotations/{rid}/overrides", s.api(s.addRotationOverride)},
		{"DELETE", "/api/v1/rosters/{id}/rotations/{rid}/overrides/{oid}", s.api(s.deleteRotationOverride)},
		{"GET", "/api/v1/rosters/{id}/on-duty", s.api(s.rosterOnDuty)},
		{"POST", "/api/v1/rosters/{id}/ics-link", s.api(s.createRosterICSLink)},
		{"DELETE", "/api/v1/rosters/{id}/ics-link/{lid}", s.api(s.revokeRosterICSLink)},
		{"POST", "/api/v1/people/{id}/ics-link", s.api(s.createPersonICSLink)},
		{"DELETE", "/api/v1/people/{id}/ics-link/{lid}", s.api(s.revokePersonICSLink)},
		{"GET", "/api/v1/reviews", s.api(s.listReviews)},
		{"GET", "/api/v1/reviews/{id}", s.api(s.getReview)},
		{"POST", "/api/v1/reviews/{id}/confirm", s.api(s.confirmReview)},

		// Web UI.
		{"GET", "/static/", s.web.Static()},
		{"GET", "/{$}", h(s.home)},
		{"GET", "/login", h(s.pageLogin)},
		{"POST", "/login", h(s.doLogin)},
		{"POST", "/logout", h(s.doLogout)},
		{"POST", "/lang", h(s.setLanguage)},
		{"GET", "/people", s.page(s.pagePeople)},
		{"GET", "/people/{id}", s.page(s.pagePerson)},
		{"POST", "/people/{id}/reveal", s.page(s.pageReveal)},
		{"GET", "/departments", s.page(s.pageDepartments)},
		// Web UI: account security pages.
		{"GET", "/login/mfa", h(s.pageLoginCode)},
		{"POST", "/login/mfa", h(s.doLoginCode)},
		{"GET", "/account/security", s.page(s.pageAccount)},
		{"POST", "/account/password", s.page(s.doChangePassword)},
		{"POST", "/account/settings", s.page(s.doSecuritySettings)},
		{"GET", "/account/mfa", s.page(s.pageMFA)},
		{"POST", "/account/mfa", s.page(s.doBeginMFA)},
		{"POST", "/account/mfa/confirm", s.page(s.doConfirmMFA)},
		{"POST", "/account/mfa/remove", s.page(s.doRemoveMFA)},
		{"POST", "/account/mfa/recovery-codes", s.page(s.doRecoveryCodes)},
		{"GET", "/account/reauth", s.page(s.pageReauth)},
		{"POST", "/account/reauth", s.page(s.doReauth)},
		// Web UI: export pages.
		{"GET", "/exports", s.page(s.pageExports)},
		{"POST", "/exports", s.page(s.pageCreateExport)},
		{"POST", "/exports/{id}/approve", s.page(s.pageDecideExport(true))},
		{"POST", "/exports/{id}/reject", s.page(s.pageDecideExport(false))},
		{"GET", "/exports/{id}/download", s.page(s.pageDownloadExport)},
		// Web UI: audit, keys, incidents and break-glass pages.
		{"GET", "/audit", s.page(s.pageAudit)},
		{"GET", "/keys", s.page(s.pageKeys)},
		{"GET", "/incidents", s.page(s.pageIncidents)},
		{"POST", "/incidents", s.page(s.doReportIncident)},
		{"GET", "/incidents/{id}", s.page(s.pageIncident)},
		{"POST", "/incidents/{id}/close", s.page(s.doCloseIncident)},
		{"POST", "/incidents/{id}/break-glass", s.page(s.doOpenGrant)},
		{"GET", "/break-glass", s.page(s.pageGrants)},
		{"GET", "/break-glass/{id}", s.page(s.pageContactSheet)},
		{"POST", "/break-glass/{id}/end", s.page(s.doEndGrant)},
		// Web UI: import and quality pages.
		{"GET", "/imports", s.page(s.pageImports)},
		{"POST", "/imports/preview", s.pageLimit(importUploadLimit, s.pageImportPreview)},
		{"POST", "/imports", s.pageLimit(importUploadLimit, s.pageImportRun)},
		{"GET", "/quality", s.page(s.pageQuality)},
		{"POST", "/quality/recheck", s.page(s.doQualityRecheck)},
		// Web UI: rosters.
		{"GET", "/rosters", s.page(s.pageRosters)},
		{"POST", "/rosters", s.page(s.doCreateRoster)},
		{"GET", "/rosters/{id}", s.page(s.pageRoster)},
		{"POST", "/rosters/{id}/members", s.page(s.doAddMember)},
		{"POST", "/rosters/{id}/members/{mid}/remove", s.page(s.doRemoveMember)},
		{"GET", "/rosters/{id}/print", s.page(s.pageRosterPrint)},
		{"GET", "/rosters/{id}/print.pdf", s.page(s.pageRosterPDF)},
		// Web UI: notifications — notify form on the incident page, live board, timeline, providers.
		{"POST", "/incidents/{id}/notify/preview", s.page(s.doNotifyPreview)},
		{"POST", "/incidents/{id}/notify", s.page(s.doNotify)},
		{"POST", "/incidents/{id}/updates", s.page(s.doAddUpdate)},
		{"GET", "/incidents/{id}/notifications/{nid}", s.page(s.pageBoard)},
		{"GET", "/incidents/{id}/notifications/{nid}/live", s.page(s.pageBoardLive)},
		{"POST", "/incidents/{id}/notifications/{nid}/cancel", s.page(s.doCancelNotification)},
		{"POST", "/incidents/{id}/notifications/{nid}/approve", s.page(s.doApproveNotification)},
		{"POST", "/incidents/{id}/notifications/{nid}/followup", s.page(s.doFollowup)},
		{"GET", "/settings/providers", s.page(s.pageProviders)},
		{"POST", "/settings/providers", s.page(s.doCreateProvider)},
		{"POST", "/settings/providers/{id}/enabled", s.page(s.doProviderEnabled)},
		// Web UI: incident report, drills trend, remediation tasks, the notify form's people picker.
		{"GET", "/incidents/{id}/report", s.page(s.pageIncidentReport)},
		{"GET", "/incidents/{id}/notify/people", s.page(s.pagePeoplePick)},
		{"GET", "/incidents/{id}/notify/people/{pid}", s.page(s.pagePeopleChip)},
		{"GET", "/drills", s.page(s.pageDrills)},
		{"GET", "/remediation-tasks", s.page(s.pageTasks)},
		{"POST", "/remediation-tasks/{id}/done", s.page(s.doTaskDone)},
		// Web UI: reviews (one-page review, department frequencies, quarterly report).
		{"GET", "/reviews", s.page(s.pageReviews)},
		{"GET", "/reviews/{id}", s.page(s.pageReview)},
		{"POST", "/reviews/{id}", s.page(s.doReview)},
		{"POST", "/reviews/departments/{id}/frequency", s.page(s.doDepartmentFrequency)},
		{"GET", "/reviews/report", s.page(s.pageReviewReport)},
		{"GET", "/reviews/report.xlsx", s.page(s.pageReviewReportXLSX)},
	}
}
