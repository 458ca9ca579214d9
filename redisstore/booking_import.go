package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
)

// Import writes a catalog (see booking.Store): facilities first, then each
// event in one script that refuses limits below the places taken. Events
// are applied one by one (each atomically): a refused event leaves the
// others imported, and the error lists every refusal.
func (s *BookingStore) Import(ctx context.Context, c *booking.Catalog) (booking.ImportReport, error) {
	return s.importCatalog(ctx, c, false)
}

// PlanImport says what Import would do with c, writing nothing: the same
// report (facilities and events new, changed or as they are) and the same
// *booking.BelowBookedError for limits below the places taken, as things
// stand now. The preview of an import made in the bot shows it.
func (s *BookingStore) PlanImport(ctx context.Context, c *booking.Catalog) (booking.ImportReport, error) {
	return s.importCatalog(ctx, c, true)
}

func (s *BookingStore) importCatalog(ctx context.Context, c *booking.Catalog, plan bool) (booking.ImportReport, error) {
	var rep booking.ImportReport
	if len(c.Facilities()) > 0 {
		ids := make([]string, 0, len(c.Facilities()))
		vals := make([]any, 0, 2*len(c.Facilities()))
		for _, f := range c.Facilities() {
			b, err := json.Marshal(f)
			if err != nil {
				return rep, fmt.Errorf("redisstore: encode facility %s: %w", f.ID, err)
			}
			ids = append(ids, f.ID)
			vals = append(vals, f.ID, string(b))
		}
		old, err := s.rdb.HMGet(ctx, s.keys.Facilities(), ids...).Result()
		if err != nil {
			return rep, wrap("read facilities", err)
		}
		for i, id := range ids {
			switch was, ok := old[i].(string); {
			case !ok:
				rep.FacilitiesCreated = append(rep.FacilitiesCreated, id)
			case was != vals[2*i+1]:
				rep.FacilitiesUpdated = append(rep.FacilitiesUpdated, id)
			}
		}
		if !plan {
			if err := s.rdb.HSet(ctx, s.keys.Facilities(), vals...).Err(); err != nil {
				return rep, wrap("import facilities", err)
			}
		}
		rep.Facilities = len(c.Facilities())
	}
	mode := "apply"
	if plan {
		mode = "plan"
	}
	zone := func(id string) *time.Location {
		if f, ok := c.Facility(id); ok {
			return f.Location
		}
		return nil
	}
	var below booking.BelowBookedError
	for _, e := range c.Events() {
		status, ch, err := s.importEvent(ctx, mode, e, zone, &below)
		if err != nil {
			return rep, err
		}
		switch status {
		case "created":
			rep.Created = append(rep.Created, e.ID)
		case "updated":
			rep.Updated = append(rep.Updated, e.ID)
		case "unchanged":
			rep.Unchanged = append(rep.Unchanged, e.ID)
		case "below":
			continue
		}
		if !ch.Empty() && status != "unchanged" {
			n, err := s.affected(ctx, ch)
			if err != nil {
				return rep, err
			}
			rep.Changes = append(rep.Changes, ch)
			rep.Told += n
		}
		if plan {
			continue
		}
		if err := s.rdb.SAdd(ctx, s.keys.Events(), e.ID).Err(); err != nil {
			return rep, wrap("index event", err)
		}
	}
	if len(below.Problems) > 0 {
		return rep, fmt.Errorf("redisstore: import: %w", &below)
	}
	return rep, nil
}

// importRetries bounds how often one event's import is tried again when
// another import changed the event between the read and the write.
const importRetries = 5

// importEvent reconciles e with the stored event (booking.Reconcile: the
// sessions keep their ids, the change residents must hear of) and writes
// it, or only plans it, in one script that also logs the change. It
// returns the script's status and the change; limits below the places
// taken are added to below (status "below").
func (s *BookingStore) importEvent(ctx context.Context, mode string, e *booking.Event, zone func(string) *time.Location,
	below *booking.BelowBookedError) (string, booking.Change, error) {
	for range importRetries {
		stored, err := s.rdb.Get(ctx, s.keys.EventDef(e.ID)).Result()
		var old *booking.Event
		switch {
		case errors.Is(err, redis.Nil):
			stored = "-"
		case err != nil:
			return "", booking.Change{}, wrap("read event "+e.ID, err)
		default:
			old = &booking.Event{}
			if err := json.Unmarshal([]byte(stored), old); err != nil {
				return "", booking.Change{}, fmt.Errorf("redisstore: decode event %s: %w", e.ID, err)
			}
		}
		ev, ch := booking.Reconcile(old, e, zone)
		def, err := json.Marshal(ev)
		if err != nil {
			return "", booking.Change{}, fmt.Errorf("redisstore: encode event %s: %w", e.ID, err)
		}
		args := []any{mode, def, stored, len(ch.Cancelled)}
		for _, f := range ch.Cancelled {
			args = append(args, f)
		}
		args = append(args, len(ch.Moved)+len(ch.Cancelled))
		for _, m := range ch.Moved {
			args = append(args, strings.Join([]string{string(booking.ChangeMoved), m.Facility, m.Session, msArg(m.From), msArg(m.To)}, "|"))
		}
		for _, f := range ch.Cancelled {
			args = append(args, string(booking.ChangeCancelled)+"|"+f)
		}
		args = append(args, limitArgs(ev)...)
		keys := append(s.keys.EventKeys(e.ID), s.keys.EventChanges(e.ID))
		v, err := bookImportScript.Run(ctx, s.rdb, keys, args...).Slice()
		if err != nil {
			return "", booking.Change{}, wrap("import event "+e.ID, err)
		}
		out := strs(v)
		switch {
		case len(out) == 0:
			return "", booking.Change{}, fmt.Errorf("redisstore: import event %s: empty reply", e.ID)
		case out[0] == "retry":
			continue
		case out[0] == "created", out[0] == "updated", out[0] == "unchanged":
			return out[0], ch, nil
		case out[0] == "below":
			for i := 1; i+2 < len(out); i += 3 {
				text, limit := describeBelow(e.ID, out[i], out[i+1], out[i+2])
				if old != nil && limit.Session != "" {
					if site, ok := old.Site(limit.Facility); ok {
						if x, ok := site.Session(limit.Session); ok {
							limit.SessionStart = x.Start
						}
					}
				}
				below.Problems = append(below.Problems, text)
				below.Limits = append(below.Limits, limit)
			}
			return "below", ch, nil
		default:
			return "", booking.Change{}, fmt.Errorf("redisstore: import event %s: unexpected status %q", e.ID, out[0])
		}
	}
	return "", booking.Change{}, fmt.Errorf("redisstore: import event %s: changed by another import meanwhile, %d times: %w", e.ID, importRetries, kbbot.ErrBusy)
}

// limitArgs returns an event's limits (EventLimits) as sorted field,
// value pairs, with HashtableMarker when the limits and the counters the
// bookings will add could pass hashtableFields. A cancelled site's cut-off is 0: it takes no booking, and the
// waitlist offers nothing there.
func limitArgs(e *booking.Event) []any {
	m := map[string]string{}
	counters := 0 // the most "u|..." and "t|..." fields the hash will get
	for _, site := range e.Sites {
		counters += len(site.Methods()) + len(site.Sessions) + len(site.Methods())*len(site.Sessions)
		f := site.Facility
		m["c|"+f] = strconv.FormatInt(site.Closes.UnixMilli(), 10)
		if site.Cancelled {
			m["c|"+f] = "0"
		}
		var offered []string
		for _, meth := range site.Methods() {
			offered = append(offered, string(meth))
			m["q|"+f+"|"+string(meth)] = strconv.Itoa(site.Quota[meth])
		}
		m["m|"+f] = strings.Join(offered, ",")
		var order []string
		for _, x := range site.Sessions {
			order = append(order, x.ID)
			m["s|"+f+"|"+x.ID] = strconv.Itoa(x.Capacity)
		}
		m["o|"+f] = strings.Join(order, ",")
	}
	fields := make([]string, 0, len(m))
	if len(m)+counters > hashtableFields {
		m[HashtableMarker] = "0"
	}
	for k := range m {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	out := make([]any, 0, 2*len(fields))
	for _, k := range fields {
		out = append(out, k, m[k])
	}
	return out
}

// describeBelow names a refused limit: event, site, method or session.
func describeBelow(ev, field, taken, limit string) (string, booking.BelowLimit) {
	parts := strings.Split(field, "|")
	what := field
	bl := booking.BelowLimit{Event: ev, Limit: -1}
	bl.Taken, _ = strconv.Atoi(taken)
	if limit != "" {
		bl.Limit, _ = strconv.Atoi(limit)
	}
	if len(parts) == 3 && parts[0] == "q" {
		what = fmt.Sprintf("event %s site %s method %s: quota", ev, parts[1], parts[2])
		bl.Facility, bl.Method = parts[1], booking.Method(parts[2])
	} else if len(parts) == 3 && parts[0] == "s" {
		what = fmt.Sprintf("event %s site %s session %s: capacity", ev, parts[1], parts[2])
		bl.Facility, bl.Session = parts[1], parts[2]
	}
	if limit == "" {
		return fmt.Sprintf("%s removed, but %s places are taken", what, taken), bl
	}
	return fmt.Sprintf("%s %s is below the %s places taken", what, limit, taken), bl
}

// Catalog reads back every imported facility and event.
func (s *BookingStore) Catalog(ctx context.Context) (*booking.Catalog, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.Facilities()).Result()
	if err != nil {
		return nil, wrap("read facilities", err)
	}
	facs := make([]booking.Facility, 0, len(raw))
	for id, v := range raw {
		var f booking.Facility
		if err := json.Unmarshal([]byte(v), &f); err != nil {
			return nil, fmt.Errorf("redisstore: decode facility %s: %w", id, err)
		}
		facs = append(facs, f)
	}
	sort.Slice(facs, func(i, j int) bool { return facs[i].ID < facs[j].ID })
	ids, err := s.rdb.SMembers(ctx, s.keys.Events()).Result()
	if err != nil {
		return nil, wrap("list events", err)
	}
	sort.Strings(ids)
	pipe := s.rdb.Pipeline()
	defs := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		defs[i] = pipe.Get(ctx, s.keys.EventDef(id))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("read events", err)
	}
	events := make([]booking.Event, 0, len(ids))
	for i, id := range ids {
		if defs[i].Err() != nil {
			continue
		}
		var e booking.Event
		if err := json.Unmarshal([]byte(defs[i].Val()), &e); err != nil {
			return nil, fmt.Errorf("redisstore: decode event %s: %w", id, err)
		}
		events = append(events, e)
	}
	return booking.NewCatalog(facs, events)
}

// Availability returns the places left at one site of an event.
func (s *BookingStore) Availability(ctx context.Context, eventID, facilityID string) (booking.Availability, error) {
	if !booking.ValidID(eventID) || !booking.ValidID(facilityID) {
		return booking.Availability{}, fmt.Errorf("redisstore: availability: %w", booking.ErrInvalid)
	}
	v, err := bookReadScript.Run(ctx, s.rdb, s.keys.EventKeys(eventID), "site", facilityID).Slice()
	if err != nil {
		return booking.Availability{}, wrap("availability", err)
	}
	out := append(strs(v), "")
	if len(out) < 4 {
		return booking.Availability{}, statusErr("availability", out[0], booking.Request{EventID: eventID, FacilityID: facilityID})
	}
	a := booking.Availability{EventID: eventID, FacilityID: facilityID, Closes: parseMS(out[0])}
	vals := out[3:]
	next := func() booking.Places {
		var p booking.Places
		if len(vals) >= 2 {
			p.Limit, _ = strconv.Atoi(vals[0])
			p.Taken, _ = strconv.Atoi(vals[1])
			vals = vals[2:]
		}
		return p
	}
	if out[1] != "" {
		for _, m := range strings.Split(out[1], ",") {
			a.Methods = append(a.Methods, booking.MethodPlaces{Method: booking.Method(m), Places: next()})
		}
	}
	if out[2] != "" {
		for _, id := range strings.Split(out[2], ",") {
			a.Sessions = append(a.Sessions, booking.SessionPlaces{SessionID: id, Places: next()})
		}
	}
	return a, nil
}
