package booking

// Method is a contraceptive method code, as used in events files, quotas
// and bookings.
type Method string

// The method codes of DESIGN.md.
const (
	Pil     Method = "pil"     // combined pill
	MiniPil Method = "minipil" // progestin-only pill
	Suntik1 Method = "suntik1" // monthly injection
	Suntik3 Method = "suntik3" // three-monthly injection
	Implan  Method = "implan"  // implant
	IUD     Method = "iud"     // intrauterine device (AKDR)
	Kondom  Method = "kondom"  // condom
	MOW     Method = "mow"     // tubectomy (metode operasi wanita)
	MOP     Method = "mop"     // vasectomy (metode operasi pria)
	MAL     Method = "mal"     // lactational amenorrhoea method
)

var methods = []Method{Pil, MiniPil, Suntik1, Suntik3, Implan, IUD, Kondom, MOW, MOP, MAL}

// Methods returns every method code in the order the bot shows them.
func Methods() []Method { return append([]Method(nil), methods...) }

// Valid reports whether m is one of the known method codes.
func (m Method) Valid() bool {
	for _, k := range methods {
		if k == m {
			return true
		}
	}
	return false
}

// rank orders methods as Methods does; unknown codes sort last.
func (m Method) rank() int {
	for i, k := range methods {
		if k == m {
			return i
		}
	}
	return len(methods)
}

// String returns the code.
func (m Method) String() string { return string(m) }

// LongActing reports whether m is a long-acting or permanent method, an
// MKJP (metode kontrasepsi jangka panjang): IUD, implant, MOW and MOP.
// BKKBN targets and reports count MKJP and non-MKJP apart.
func (m Method) LongActing() bool {
	switch m {
	case IUD, Implan, MOW, MOP:
		return true
	}
	return false
}
