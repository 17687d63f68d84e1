// The records of result.json that are plain (key, member) lists, each as one table that
// to_json() writes by and the result reader reads by (json_fields.h), so a field is added or
// renamed in one place for both directions. Internal to reports/result.
#pragma once
#include "reports/result/json_fields.h"
#include "reports/result/run_record.h"
#include "validators/evaluate.h"

namespace lg::reports {

// The counters a timeline second stores; a step and the summary store these and
// kStepOnlyCounters (and figures derived from them: "requests", "failed", "error_rate").
inline constexpr Field<Counters> kPerSecondCounters[] = {{"scheduled", &Counters::scheduled},
                                                         {"sent", &Counters::sent},
                                                         {"completed", &Counters::completed},
                                                         {"late", &Counters::late},
                                                         {"dropped", &Counters::dropped}};
inline constexpr Field<Counters> kStepOnlyCounters[] = {{"responses", &Counters::responses},
                                                        {"abandoned", &Counters::abandoned},
                                                        {"unrecorded", &Counters::unrecorded},
                                                        {"connects", &Counters::connects},
                                                        {"bytes_in", &Counters::bytes_in}};
// Written with kStepOnlyCounters; read as optional (results before HTTPS lack them).
inline constexpr Field<Counters> kTlsCounters[] = {{"handshakes", &Counters::handshakes},
                                                   {"resumed", &Counters::resumed}};

// /scenario/steps/N.
inline constexpr Field<StepPlan> kStepPlanFields[] = {
    {"label", &StepPlan::label},
    {"users", &StepPlan::users},
    {"start_rate", &StepPlan::start_rate},
    {"end_rate", &StepPlan::end_rate},
    {"duration_s", seconds(&StepPlan::duration_ns)},
    {"warmup", &StepPlan::warmup}};

// /scenario/stack besides "enabled" and "autoscaler".
inline constexpr Field<StackSpec> kStackFields[] = {{"min_replicas", &StackSpec::min_replicas},
                                                    {"max_replicas", &StackSpec::max_replicas},
                                                    {"fpm_children", &StackSpec::fpm_children}};

// /scenario/stack/tls and /scenario/stack/limits (absent in results before HTTPS).
inline constexpr Field<StackTls> kStackTlsFields[] = {{"enabled", &StackTls::enabled},
                                                      {"redirect", &StackTls::redirect}};
inline constexpr Field<StackLimits> kStackLimitsFields[] = {
    {"enabled", &StackLimits::enabled},
    {"rate", &StackLimits::rate},
    {"burst", &StackLimits::burst},
    {"ceiling", &StackLimits::ceiling},
    {"connections", &StackLimits::connections}};

// /checks/N.
inline constexpr Field<validators::Check> kCheckFields[] = {
    {"name", &validators::Check::name},         {"scope", &validators::Check::scope},
    {"observed", &validators::Check::observed}, {"limit", &validators::Check::limit},
    {"passed", &validators::Check::passed},     {"explanation", &validators::Check::explanation}};

// /replica_load/N.
inline constexpr Field<ReplicaLoad> kReplicaLoadFields[] = {
    {"server", &ReplicaLoad::server},
    {"requests", &ReplicaLoad::requests},
    {"fair_share", &ReplicaLoad::fair_share},
    {"seconds_up", &ReplicaLoad::seconds_up}};

// /actions/N: planned and actual time (null: not fired).
inline constexpr Field<ActionEvent> kActionFields[] = {
    {"kind", &ActionEvent::kind},
    {"target", &ActionEvent::target},
    {"at_s", seconds(&ActionEvent::at_ns)},
    {"fired_s", seconds_or_null(&ActionEvent::fired_ns)},
    {"ok", &ActionEvent::ok},
    {"outcome", &ActionEvent::outcome}};

}  // namespace lg::reports
