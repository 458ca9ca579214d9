package content

import (
	"html"
	"regexp"
	"strings"
)

// sourceTag finds a source tag in a message text: " [HB11]" or
// " [HB11, MEC]", with the space before it.
var sourceTag = regexp.MustCompile(` ?\[([A-Z0-9][A-Z0-9-]*(?:, ?[A-Z0-9][A-Z0-9-]*)*)\]`)

// GatherSources moves the source tags of a message text (interface
// texts name their sources inline, "… 6 minggu [HB11]."), which mean
// nothing to a resident, into one «Sumber» line at its end, with the
// sources' short names: "Sumber: WHO Family Planning Handbook 2011". A
// bracket that names something other than known sources stays as it is.
// A text without tags is returned unchanged.
func (l *Library) GatherSources(lang Lang, text string) string {
	if !strings.Contains(text, "[") {
		return text
	}
	var used []string
	seen := map[string]bool{}
	out := sourceTag.ReplaceAllStringFunc(text, func(m string) string {
		ids := strings.Split(sourceTag.FindStringSubmatch(m)[1], ",")
		for i, id := range ids {
			ids[i] = strings.TrimSpace(id)
			if _, ok := l.sourceIdx[ids[i]]; !ok {
				return m
			}
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				used = append(used, l.sourceIdx[id].Short)
			}
		}
		return ""
	})
	if len(used) == 0 {
		return text
	}
	return out + "\n\n<i>" + html.EscapeString(l.Labels.T(lang, "sources")) + ": " + html.EscapeString(strings.Join(used, "; ")) + "</i>"
}
