package team

import (
	"strings"
	"time"
	// The zone database is built in, so every IANA zone name is known
	// wherever Pama runs, even on hosts without one.
	_ "time/tzdata"
	"unicode"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// Settings are a team's name and working agreements. They are one entity
// with one version: renaming the team and changing a setting both bump it.
type Settings struct {
	TeamID           string       `json:"team_id"`
	Name             string       `json:"name" example:"Blue Whales"`
	SprintLengthDays int          `json:"sprint_length_days" example:"14" doc:"Sprint length in days: whole weeks from 7 to 56"`
	Deck             Deck         `json:"deck" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom" doc:"The estimation deck"`
	CustomDeck       []string     `json:"custom_deck" doc:"The cards of the custom deck (kept when another deck is chosen)"`
	Facilitation     Facilitation `json:"facilitation" enum:"anyone,scrum_master" doc:"Who may start and steer ceremonies"`
	TimeZone         string       `json:"time_zone" example:"Europe/Berlin" doc:"IANA time zone of the team; reports count days in it"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
	Version          int64        `json:"version"`
}

// Deck is a kind of estimation deck.
type Deck string

// The decks.
const (
	DeckFibonacci         Deck = "fibonacci"
	DeckModifiedFibonacci Deck = "modified_fibonacci"
	DeckTShirt            Deck = "tshirt"
	DeckPowersOfTwo       Deck = "powers_of_two"
	DeckCustom            Deck = "custom"
)

// Limits of settings.
const (
	MaxNameLen        = 80
	MinSprintDays     = 7
	MaxSprintDays     = 56
	MaxCustomCards    = 20
	MaxCardLen        = 8
	DefaultSprintDays = 14
	MaxTimeZoneLen    = 64
	DefaultTimeZone   = "UTC"
)

// Cards returns the card values of deck d, in order; custom is used for
// DeckCustom. The "?" and "pass" cards are not part of a deck: estimation
// always offers them.
func (d Deck) Cards(custom []string) []string {
	switch d {
	case DeckFibonacci:
		return []string{"0", "1", "2", "3", "5", "8", "13", "21", "34", "55", "89"}
	case DeckModifiedFibonacci:
		return []string{"0", "½", "1", "2", "3", "5", "8", "13", "20", "40", "100"}
	case DeckTShirt:
		return []string{"XS", "S", "M", "L", "XL", "XXL"}
	case DeckPowersOfTwo:
		return []string{"0", "1", "2", "4", "8", "16", "32", "64"}
	case DeckCustom:
		return append([]string(nil), custom...)
	}
	return nil
}

// Valid reports whether d is a known deck.
func (d Deck) Valid() bool {
	switch d {
	case DeckFibonacci, DeckModifiedFibonacci, DeckTShirt, DeckPowersOfTwo, DeckCustom:
		return true
	}
	return false
}

// Valid reports whether f is a known facilitation setting.
func (f Facilitation) Valid() bool { return f == FacilitationAnyone || f == FacilitationScrumMaster }

// DefaultSettings returns the settings of a new team called name.
func DefaultSettings(name string) Settings {
	return Settings{Name: name, SprintLengthDays: DefaultSprintDays, Deck: DeckFibonacci,
		CustomDeck: []string{}, Facilitation: FacilitationAnyone, TimeZone: DefaultTimeZone}
}

// Location returns the team's time zone; UTC when it is unset or unknown.
func (s Settings) Location() *time.Location {
	if loc, err := LoadZone(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// LoadZone returns the IANA time zone named name. Unlike time.LoadLocation,
// it refuses "" and "Local", which name no zone a team can share.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > MaxTimeZoneLen {
		return nil, errkind.Field("time_zone", "must be an IANA time zone name such as Europe/Berlin or UTC")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &errkind.FieldError{Field: "time_zone", Message: "must be an IANA time zone name such as Europe/Berlin or UTC", Value: name}
	}
	return loc, nil
}

// SettingsPatch changes some settings; nil fields stay as they are.
type SettingsPatch struct {
	Name             *string
	SprintLengthDays *int
	Deck             *Deck
	CustomDeck       []string // nil: unchanged
	Facilitation     *Facilitation
	TimeZone         *string
}

// Apply returns s with the patch applied and checked, or the field errors.
func (p SettingsPatch) Apply(s Settings) (Settings, error) {
	var errs errkind.FieldErrors
	if p.Name != nil {
		name, err := CleanName(*p.Name, "name")
		if err != nil {
			errs = append(errs, err.(*errkind.FieldError))
		}
		s.Name = name
	}
	if p.SprintLengthDays != nil {
		d := *p.SprintLengthDays
		if d < MinSprintDays || d > MaxSprintDays || d%7 != 0 {
			errs = append(errs, &errkind.FieldError{Field: "sprint_length_days",
				Message: "must be a whole number of weeks from 1 to 8, in days (7, 14, ... 56)", Value: d})
		}
		s.SprintLengthDays = d
	}
	if p.Deck != nil {
		if !p.Deck.Valid() {
			errs = append(errs, &errkind.FieldError{Field: "deck",
				Message: "must be fibonacci, modified_fibonacci, tshirt, powers_of_two or custom", Value: string(*p.Deck)})
		}
		s.Deck = *p.Deck
	}
	if p.CustomDeck != nil {
		cards, err := cleanCards(p.CustomDeck)
		if err != nil {
			errs = append(errs, err.(*errkind.FieldError))
		}
		s.CustomDeck = cards
	}
	if s.Deck == DeckCustom && len(s.CustomDeck) == 0 && (p.Deck != nil || p.CustomDeck != nil) {
		errs = append(errs, errkind.Field("custom_deck", "must have at least one card when the deck is custom"))
	}
	if p.Facilitation != nil {
		if !p.Facilitation.Valid() {
			errs = append(errs, &errkind.FieldError{Field: "facilitation",
				Message: "must be anyone or scrum_master", Value: string(*p.Facilitation)})
		}
		s.Facilitation = *p.Facilitation
	}
	if p.TimeZone != nil {
		tz := strings.TrimSpace(*p.TimeZone)
		if _, err := LoadZone(tz); err != nil {
			fe := err.(*errkind.FieldError)
			fe.Value = *p.TimeZone
			errs = append(errs, fe)
		}
		s.TimeZone = tz
	}
	if err := errs.Err(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

func cleanCards(in []string) ([]string, error) {
	if len(in) > MaxCustomCards {
		return nil, errkind.Field("custom_deck", "may have at most 20 cards")
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, c := range in {
		c = strings.TrimSpace(c)
		switch {
		case c == "" || utf8.RuneCountInString(c) > MaxCardLen || !utf8.ValidString(c) || strings.IndexFunc(c, unicode.IsControl) >= 0:
			return nil, &errkind.FieldError{Field: "custom_deck", Message: "cards must be 1 to 8 printable characters", Value: c}
		case seen[c]:
			return nil, &errkind.FieldError{Field: "custom_deck", Message: "has the same card twice", Value: c}
		}
		seen[c] = true
		out = append(out, c)
	}
	return out, nil
}

// CleanName trims a team or product name and checks it: 1 to 80 printable
// characters. field names the field in the error.
func CleanName(name, field string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameLen || !utf8.ValidString(name) {
		return name, errkind.Field(field, "must be 1 to 80 characters")
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return name, errkind.Field(field, "must not contain control characters")
	}
	return name, nil
}
