package docketcard

import "slices"

// Permission names one kind of action. Which roles hold which permissions
// is data (the Policy table below), not if-statements in handlers; the
// service layer checks it on every call.
type Permission string

const (
	PermSiteRead      Permission = "site.read"
	PermSiteWrite     Permission = "site.write"
	PermUserRead      Permission = "user.read"
	PermUserWrite     Permission = "user.write"
	PermPersonRead    Permission = "person.read"
	PermPersonWrite   Permission = "person.write"
	PermPersonImport  Permission = "person.import"
	PermCaseRead      Permission = "case.read"
	PermCaseWrite     Permission = "case.write"
	PermDocumentRead  Permission = "document.read"
	PermDocumentWrite Permission = "document.write"
	PermAuditRead     Permission = "audit.read"
	PermCardIssue     Permission = "card.issue"
	PermCardRead      Permission = "card.read"
	PermCheckRun      Permission = "check.run"
	PermCheckRead     Permission = "check.read"
	PermAdjudicate    Permission = "check.adjudicate"
	PermCardManage    Permission = "card.manage" // suspend, reinstate, revoke, replace, hand over
	PermCardPrint     Permission = "card.print"  // print queue, batches, printed/spoiled
	PermCardVerify    Permission = "card.verify" // online verification (disclosure by role)
	PermStatusPublish Permission = "status.publish"
)

// Policy maps each permission to the roles that hold it.
//
// Principles: people's records are read only by the roles whose work needs
// them (enrolment, adjudication, first-party FOIA) and only at the sites the
// user serves; the program manager sees sites, not people; the auditor
// reads the audit trail and nothing else; the admin manages users and sites
// but cannot read people's records. Print operators and field verifiers get
// their card-specific permissions with the card features.
var Policy = map[Permission][]Role{
	PermSiteRead:      Roles, // every signed-in user can list the field offices
	PermSiteWrite:     {RoleAdmin},
	PermUserRead:      {RoleAdmin},
	PermUserWrite:     {RoleAdmin},
	PermPersonRead:    {RoleEnrollmentOfficer, RoleAdjudicator, RoleFOIAOfficer},
	PermPersonWrite:   {RoleEnrollmentOfficer},
	PermPersonImport:  {RoleEnrollmentOfficer},
	PermCaseRead:      {RoleEnrollmentOfficer, RoleAdjudicator, RoleFOIAOfficer},
	PermCaseWrite:     {RoleEnrollmentOfficer},
	PermDocumentRead:  {RoleEnrollmentOfficer, RoleAdjudicator, RoleFOIAOfficer},
	PermDocumentWrite: {RoleEnrollmentOfficer},
	PermAuditRead:     {RoleAuditor},
	PermCardIssue:     {RoleEnrollmentOfficer},
	PermCardRead:      {RoleEnrollmentOfficer, RoleAdjudicator, RolePrintOperator},
	PermCheckRun:      {RoleEnrollmentOfficer, RoleAdjudicator},
	PermCheckRead:     {RoleEnrollmentOfficer, RoleAdjudicator},
	PermAdjudicate:    {RoleAdjudicator},
	PermCardManage:    {RoleEnrollmentOfficer},
	PermCardPrint:     {RolePrintOperator},
	PermCardVerify:    {RoleFieldVerifier, RoleEnrollmentOfficer, RoleRelyingParty},
	PermStatusPublish: {RoleProgramManager},
}

// SiteScoped lists the permissions that apply only to records of the
// sites a user serves.
var SiteScoped = map[Permission]bool{
	PermPersonRead: true, PermPersonWrite: true, PermPersonImport: true,
	PermCaseRead: true, PermCaseWrite: true, PermDocumentRead: true, PermDocumentWrite: true,
	PermCardIssue: true, PermCardRead: true, PermCheckRun: true, PermCheckRead: true, PermAdjudicate: true,
	PermCardManage: true, PermCardPrint: true,
}

// Can reports whether the actor holds permission p through any role.
// The system actor (command-line operator) holds every permission.
func (a Actor) Can(p Permission) bool {
	if a.System {
		return true
	}
	for _, r := range a.Roles {
		if slices.Contains(Policy[p], r) {
			return true
		}
	}
	return false
}

// Authorize returns EUNAUTHORIZED for an anonymous actor, EFORBIDDEN if
// the actor lacks p, or (for site-scoped permissions with a non-empty
// site) if the actor does not serve site.
func (a Actor) Authorize(p Permission, site string) error {
	if !a.System && a.UserID == "" {
		return Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if !a.Can(p) {
		return Errorf(EFORBIDDEN, "Your roles do not allow %s.", p)
	}
	if SiteScoped[p] && site != "" && !a.Serves(site) {
		return Errorf(EFORBIDDEN, "You are not assigned to site %s.", site)
	}
	return nil
}
