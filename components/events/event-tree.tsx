import Link from "next/link";
import { cx } from "@/components/ui/cx";

/** One line of a detail tree, with optional children drawn beneath it. */
export interface TreeItem {
  label: string;
  content: React.ReactNode;
  children?: TreeItem[];
  testId?: string;
}

/** Draws items with the ├─ └─ │ guides of DESIGN.md's event detail example. */
export function Tree({ items, prefix = "" }: { items: TreeItem[]; prefix?: string }) {
  return (
    <ul className="font-mono text-[13px] leading-7">
      {items.map((item, i) => {
        const last = i === items.length - 1;
        return (
          <li key={`${item.label}-${i}`} data-testid={item.testId}>
            <div className="flex min-w-0">
              <span aria-hidden className="shrink-0 whitespace-pre text-slate-400 select-none dark:text-slate-600">
                {prefix}
                {last ? "└─ " : "├─ "}
              </span>
              <span className="min-w-0 font-sans text-sm">
                <span className="font-medium text-slate-500 dark:text-slate-400">{item.label}:</span>{" "}
                <span className="break-words text-slate-900 dark:text-slate-100">{item.content}</span>
              </span>
            </div>
            {item.children && item.children.length > 0 && <Tree items={item.children} prefix={prefix + (last ? "   " : "│  ")} />}
          </li>
        );
      })}
    </ul>
  );
}

export function SearchLink({ href, children, className, label }: { href: string; children: React.ReactNode; className?: string; label?: string }) {
  return (
    <Link href={href} title={label} className={cx("text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-indigo-600 dark:text-indigo-300 dark:decoration-indigo-700", className)}>
      {children}
    </Link>
  );
}
