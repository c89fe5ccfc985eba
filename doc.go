// Package docketcard is the domain of the Secure Docket Card system: the
// people, cases, documents, sites and users it manages, the rules that make
// them valid, the roles that may act on them, and the interfaces that the
// storage, blob, HTTP and command-line adapters implement or call.
//
// This package performs no I/O. Adapters live in sibling packages
// (sqlstore, blob, photo, httpapi, importer, demo) and are wired together
// only in cmd/docketcard.
package docketcard
