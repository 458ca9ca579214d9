package booking

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// FacilityDistance is a facility with a site open for booking, and its
// distance from the resident.
type FacilityDistance struct {
	Facility *Facility
	// KM is the great-circle distance in kilometres.
	KM float64
	// Sites are the facility's open sites, soonest event first.
	Sites []SiteRef
}

// Nearest returns up to n facilities with a site still open for booking at
// now, nearest to (lat, lon) first. n <= 0 means all.
func (c *Catalog) Nearest(lat, lon float64, now time.Time, n int) []FacilityDistance {
	byFac := map[string]*FacilityDistance{}
	var out []*FacilityDistance
	for _, r := range c.OpenSites(now) {
		fd, ok := byFac[r.Facility.ID]
		if !ok {
			fd = &FacilityDistance{Facility: r.Facility, KM: Haversine(lat, lon, r.Facility.Lat, r.Facility.Lon)}
			byFac[r.Facility.ID] = fd
			out = append(out, fd)
		}
		fd.Sites = append(fd.Sites, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].KM != out[j].KM {
			return out[i].KM < out[j].KM
		}
		return out[i].Facility.ID < out[j].Facility.ID
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	res := make([]FacilityDistance, len(out))
	for i, fd := range out {
		res[i] = *fd
	}
	return res
}

// earthRadiusKM is the mean Earth radius.
const earthRadiusKM = 6371.0088

// Haversine returns the great-circle distance in km between two points
// given in degrees.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// MapLink returns a Google Maps link to the facility's coordinates.
func MapLink(f *Facility) string {
	return "https://www.google.com/maps/search/?api=1&query=" +
		strconv.FormatFloat(f.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(f.Lon, 'f', -1, 64)
}
