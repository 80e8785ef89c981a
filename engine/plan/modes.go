package plan

// mode lists, in order, the stage builders of one kind of run. Each builder adds the stages of
// one step of the pipeline (none when the project does not need it) to the plan.
type mode struct {
	name string
	// inPlace: the run writes the rows it extracts and the regions straight into the state
	// tables it publishes, instead of work tables.
	inPlace bool
	stages  []func(*build)
}

// fullRun reads every source whole and replaces every output and state table.
var fullRun = mode{name: ModeFull, inPlace: true, stages: []func(*build){
	(*build).setup,
	(*build).controlsStage,
	(*build).extractAll,
	(*build).nodesAll,
	(*build).guardsAll,
	(*build).edges,
	(*build).components,
	(*build).neverLinks,
	(*build).limits,
	(*build).anonymous,
	(*build).regions,
	(*build).idsDurable,
	(*build).traitsStage,
	(*build).attributesStage,
	(*build).outputsAll,
	(*build).publishAll,
	(*build).indexes,
}}

// incrementalRun reads each source from its watermark, recomputes the regions the changed rows
// touch, and replaces their rows of the outputs and the state.
var incrementalRun = mode{name: ModeIncremental, stages: []func(*build){
	(*build).setup,
	(*build).controlsStage,
	(*build).extractWindow,
	(*build).region,
	(*build).nodesNamed,
	(*build).guardsRegion,
	(*build).edges,
	(*build).components,
	(*build).neverLinks,
	(*build).limits,
	(*build).anonymous,
	(*build).regions,
	(*build).idsScratch,
	(*build).traitsStage,
	(*build).attributesStage,
	(*build).outputsRegion,
	(*build).publishRegion,
	(*build).forgetViews,
	(*build).indexes,
}}

// Plan builds the plan of a full run. runID is written into the rows the run publishes (0 in a
// compiled script).
func (pl *Planner) Plan(runID int64) (*Plan, error) { return pl.PlanWith(runID, nil, Controls{}) }

// PlanIncremental builds the plan of an incremental run on top of the state the last run left.
// It reads each source from its watermark less the lookback, finds the rows that are new or
// changed, and recomputes only the regions (components before limits and policies) those rows
// touch, together with every region that a hub decision they change affects. The rest of the
// published tables stays as it is.
func (pl *Planner) PlanIncremental(runID int64, prior Prior) (*Plan, error) {
	return pl.PlanWith(runID, &prior, Controls{})
}
