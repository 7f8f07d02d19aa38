export {
  weekdays,
  recurrenceError,
  nextOccurrenceStartMs,
  occurrenceAt,
  occurrencesBetween,
  type Weekday,
  type Recurrence,
  type Occurrence,
} from './recurrence.ts';
export {
  dueTransition,
  nextTransitionAtMs,
  effectiveStatus,
  activeWindows,
  componentIdsInMaintenance,
  type Transition,
} from './maintenance-transitions.ts';
