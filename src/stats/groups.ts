import type {LogRecord} from '../parse/record.js'
import type {Groups} from './types.js'

import {CappedMap, OVERFLOW_KEY} from './capped-map.js'
import {type FieldKey, groupValue} from './fields.js'
import {ValueAggregator} from './values.js'

/** Distinct groups kept; a key with more values (request ids...) counts the rest under `(other)`. */
const MAX_GROUPS = 10_000
/** Per group, values are exact up to this many, then sketched (see Distribution). */
const GROUP_EXACT_LIMIT = 256

interface Group {
  count: number
  value: ValueAggregator | undefined
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
