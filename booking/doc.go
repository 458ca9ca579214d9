// Package booking holds the rules of KB serentak bookings: facilities,
// events with their sites, sessions and quotas per method, bookings, the
// waitlist and its offers, the admin-written facilities and events file
// (Parse), the embedded demo data (Demo), booking codes, calendar files and
// map links.
//
// It is pure: it imports the standard library, yaml.v3 and the domain
// package kbbot only. The Store interface says what the conversations need
// from a store; redisstore implements it with one atomic Lua script per
// change of places.
//
// Times are UTC instants everywhere; each facility's IANA zone turns them
// into local wall-clock times labelled WIB, WITA or WIT.
package booking
