package scheduler

import (
	"sync"
	"time"
	_ "time/tzdata" // facility zones must load on minimal images too
)

// zones caches loaded time zones by IANA name.
type zones struct {
	def *time.Location
	m   sync.Map // name -> *time.Location
}

func newZones(def string) *zones {
	loc, err := time.LoadLocation(def)
	if err != nil {
		loc = time.FixedZone("WIB", 7*3600)
	}
	return &zones{def: loc}
}

// get returns the zone name, or the default zone when it is empty or
// unknown.
func (z *zones) get(name string) *time.Location {
	if name == "" {
		return z.def
	}
	if v, ok := z.m.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = z.def
	}
	z.m.Store(name, loc)
	return loc
}
