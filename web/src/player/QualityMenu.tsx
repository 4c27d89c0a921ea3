// The rendition picker: "Auto" (with the rung it plays) and every playable rendition by name.
import { autoLabel, levelLabel, type MenuLevel } from './levels.ts';

export interface QualityMenuProps {
  menu: MenuLevel[];
  selection: string;
  /** The rendition on screen, for "Auto (360p)". */
  rendition: string;
  auto: boolean;
  onChange(name: string): void;
}

export function QualityMenu({ menu, selection, rendition, auto, onChange }: QualityMenuProps) {
  return (
    <select
      class='quality'
      aria-label='Quality'
      title='Quality'
      value={selection}
      onChange={(event) => onChange(event.currentTarget.value)}
    >
      <option value='auto'>{autoLabel(auto ? rendition : '')}</option>
      {menu.map((level) => <option key={level.name} value={level.name}>{levelLabel(level)}
      </option>)}
    </select>
  );
}
