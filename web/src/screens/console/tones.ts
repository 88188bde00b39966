// Which tone a state's badge takes.
import type { Health, JobState, SpaceState } from '../../lib/console';

type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

export const stateTone: Record<SpaceState, Tone> = {
  creating: 'info',
  active: 'good',
  suspended: 'warn',
  archived: 'neutral',
  deleted: 'bad',
};

export const healthTone: Record<Health, Tone> = { unknown: 'neutral', ok: 'good', failing: 'warn', alert: 'bad' };

export const jobTone: Record<JobState, Tone> = {
  queued: 'info',
  running: 'info',
  paused: 'warn',
  cancelled: 'neutral',
  done: 'good',
  failed: 'bad',
};
