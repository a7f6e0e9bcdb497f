// Every fixture the repository holds says what it covers: one line in __tests__/fixtures/index.json.
import { FIXTURES, INDEX, filesUnder, fixtureNotes } from '../fixture-helpers.js'

describe('fixture index', () => {
  const notes = fixtureNotes()
  const files = filesUnder(FIXTURES).filter(f => f !== INDEX)

  it('has a note for every fixture file, and a fixture file for every note', () => {
    expect({
      'files without a note': files.filter(f => !(f in notes)),
      'notes without a file': Object.keys(notes).filter(f => !files.includes(f))
    }).toEqual({ 'files without a note': [], 'notes without a file': [] })
  })

  it('keeps each note to one line that says something', () => {
    const bad = Object.entries(notes).filter(
      ([, note]) => typeof note !== 'string' || note.trim().length < 20 || /[\r\n]/.test(note)
    )
    expect(bad).toEqual([])
  })
})
