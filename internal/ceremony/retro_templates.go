package ceremony

import "slices"

// The retrospective templates.
const (
	RetroTenSteps          = "ten_steps"
	RetroStartStopContinue = "start_stop_continue"
	RetroFourLs            = "four_ls"
	RetroSailboat          = "sailboat"
)

// RetroTemplates lists the templates, the default first.
var RetroTemplates = []string{RetroTenSteps, RetroStartStopContinue, RetroFourLs, RetroSailboat}

// The steps of a retrospective. A template uses some of them, in this order;
// "review" only when an earlier retrospective of the product left solutions.
const (
	stepReview          = "review"
	stepTuneInPositive  = "tune_in_positive"
	stepWritePositive   = "write_positive"
	stepTuneInProblems  = "tune_in_problems"
	stepWriteProblems   = "write_problems"
	stepWrite           = "write"
	stepList            = "list"
	stepVote            = "vote"
	stepResults         = "results"
	stepPick            = "pick"
	stepSolution        = "solution"
	stepClose           = "close"
	retroVotesPerMember = 3
)

// RetroColumn is one kind of note a template collects.
type RetroColumn struct {
	ID      string `json:"id" example:"problems"`
	Title   string `json:"title" example:"What got in the way"`
	Prompt  string `json:"prompt"`
	Votable bool   `json:"votable" doc:"Whether its notes take votes and solutions"`
}

// RetroStep is one step of a template.
type RetroStep struct {
	ID      string   `json:"id" example:"write_problems"`
	Title   string   `json:"title"`
	Prompt  string   `json:"prompt" doc:"What the team does in this step"`
	Columns []string `json:"columns,omitempty" doc:"Writing steps: the columns notes go in; notes stay hidden from others until the step ends"`
}

// Writing reports whether notes are written in the step.
func (s RetroStep) Writing() bool { return len(s.Columns) > 0 }

type retroTemplate struct {
	columns []RetroColumn
	steps   []RetroStep // without review
}

var retroSteps = map[string]RetroStep{
	stepReview: {ID: stepReview, Title: "Review",
		Prompt: "Go through the solutions the last retrospective agreed on: which were carried out, which were not"},
	stepTuneInPositive: {ID: stepTuneInPositive, Title: "Tune in",
		Prompt: "Think back over the sprint: what went well?"},
	stepWritePositive: {ID: stepWritePositive, Title: "What went well", Columns: []string{"went_well"},
		Prompt: "Everyone writes what went well; the notes show when everyone is done"},
	stepTuneInProblems: {ID: stepTuneInProblems, Title: "Switch to problems",
		Prompt: "Now think of what got in the way"},
	stepWriteProblems: {ID: stepWriteProblems, Title: "Problems", Columns: []string{"problems"},
		Prompt: "Everyone writes the problems; the notes show when everyone is done"},
	stepList: {ID: stepList, Title: "All notes",
		Prompt: "Read the combined list together and group similar notes"},
	stepVote: {ID: stepVote, Title: "Vote",
		Prompt: "Three votes each for the most serious problems; several on one note are allowed"},
	stepResults: {ID: stepResults, Title: "Results",
		Prompt: "The problems by votes"},
	stepPick: {ID: stepPick, Title: "Pick a problem",
		Prompt: "Pick the most serious problem still without a solution"},
	stepSolution: {ID: stepSolution, Title: "Solution",
		Prompt: "Agree on a solution and who carries it out next sprint"},
	stepClose: {ID: stepClose, Title: "Finish",
		Prompt: "The main problems have solutions: finish the retrospective"},
}

func steps(ids ...string) []RetroStep {
	out := make([]RetroStep, len(ids))
	for i, id := range ids {
		out[i] = retroSteps[id]
	}
	return out
}

func columnTemplate(cols ...RetroColumn) retroTemplate {
	ids := make([]string, len(cols))
	for i := range cols {
		cols[i].Votable = true
		ids[i] = cols[i].ID
	}
	write := RetroStep{ID: stepWrite, Title: "Write", Columns: ids,
		Prompt: "Everyone writes notes in the columns; the notes show when everyone is done"}
	return retroTemplate{columns: cols, steps: append([]RetroStep{write}, steps(stepVote, stepResults, stepPick, stepSolution, stepClose)...)}
}

var retroTemplates = map[string]retroTemplate{
	RetroTenSteps: {
		columns: []RetroColumn{
			{ID: "went_well", Title: "What went well", Prompt: "Things to keep and be glad of"},
			{ID: "problems", Title: "What got in the way", Prompt: "Problems, big and small", Votable: true},
		},
		steps: steps(stepTuneInPositive, stepWritePositive, stepTuneInProblems, stepWriteProblems,
			stepList, stepVote, stepResults, stepPick, stepSolution, stepClose),
	},
	RetroStartStopContinue: columnTemplate(
		RetroColumn{ID: "start", Title: "Start", Prompt: "What should we begin doing?"},
		RetroColumn{ID: "stop", Title: "Stop", Prompt: "What should we stop doing?"},
		RetroColumn{ID: "continue", Title: "Continue", Prompt: "What should we keep doing?"},
	),
	RetroFourLs: columnTemplate(
		RetroColumn{ID: "liked", Title: "Liked", Prompt: "What did you like?"},
		RetroColumn{ID: "learned", Title: "Learned", Prompt: "What did you learn?"},
		RetroColumn{ID: "lacked", Title: "Lacked", Prompt: "What was missing?"},
		RetroColumn{ID: "longed_for", Title: "Longed for", Prompt: "What did you wish for?"},
	),
	RetroSailboat: columnTemplate(
		RetroColumn{ID: "wind", Title: "Wind", Prompt: "What pushed us forward?"},
		RetroColumn{ID: "anchors", Title: "Anchors", Prompt: "What held us back?"},
		RetroColumn{ID: "rocks", Title: "Rocks", Prompt: "What risks lie ahead?"},
		RetroColumn{ID: "island", Title: "Island", Prompt: "Where do we want to get to?"},
	),
}

// column returns the template's column id and whether it has one.
func (t retroTemplate) column(id string) (RetroColumn, bool) {
	i := slices.IndexFunc(t.columns, func(c RetroColumn) bool { return c.ID == id })
	if i < 0 {
		return RetroColumn{}, false
	}
	return t.columns[i], true
}
