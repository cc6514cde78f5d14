import type {LogRecord} from '../parse/record.js'
import type {Groups} from './types.js'

import {CappedMap, type CappedMapState, OVERFLOW_KEY} from './capped-map.js'
import {type FieldKey, groupValue} from './fields.js'
import {ValueAggregator, type ValueState} from './values.js'

/** Distinct groups kept; a key with more values (request ids...) counts the rest under `(other)`. */
const MAX_GROUPS = 10_000
/** Per group, values are exact up to this many, then sketched (see Distribution). */
const GROUP_EXACT_LIMIT = 256

interface Group {
  count: number
  value: ValueAggregator | undefined
}

/** A GroupAggregator as plain data. */
export interface GroupsState {
  missing: number
  groups: CappedMapState<{count: number; value?: ValueState}>
}

/** `--by KEY` (and `--value KEY` within each group). */
export class GroupAggregator {
  missing = 0
  private readonly groups: CappedMap<Group>

  constructor(
    private readonly by: string,
    private readonly byKey: FieldKey,
    private readonly value: {key: string; name: string} | undefined,
  ) {
    this.groups = new CappedMap(MAX_GROUPS, () => ({
      count: 0,
      value: value === undefined ? undefined : new ValueAggregator(value.key, GROUP_EXACT_LIMIT),
    }))
  }

  add(record: LogRecord): void {
    const key = groupValue(record, this.byKey)
    if (key === undefined) {
      this.missing++
      return
    }

    const group = this.groups.get(key)
    group.count++
    if (this.value !== undefined) group.value?.add(record.field(this.value.name))
  }

  /** The groups as plain data. */
  state(): GroupsState {
    return {groups: this.groups.state((group) => (group.value ? {count: group.count, value: group.value.state()} : {count: group.count})), missing: this.missing}
  }

  /** Adds the groups of the next part of the stream (see CappedMap for what the cap does to a merge). */
  merge(other: GroupsState): void {
    this.missing += other.missing
    this.groups.merge(other.groups, (group, state) => {
      group.count += state.count
      if (state.value !== undefined) group.value?.merge(state.value)
    })
  }

  result(top: number): Groups {
    const all = [...this.groups.entries].map(([key, group]) => ({group, key}))
    if (this.groups.overflow) all.push({group: this.groups.overflow, key: OVERFLOW_KEY})
    all.sort((a, b) => b.group.count - a.group.count || a.key.localeCompare(b.key))
    return {
      by: this.by,
      capped: this.groups.overflow !== undefined,
      distinct: this.groups.entries.size,
      missing: this.missing,
      top: all.slice(0, top).map(({group, key}) => (group.value ? {count: group.count, key, value: group.value.result()} : {count: group.count, key})),
    }
  }
}
