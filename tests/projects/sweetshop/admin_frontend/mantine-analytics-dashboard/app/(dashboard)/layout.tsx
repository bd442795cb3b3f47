import type { ReactNode } from 'react';
import { Logo } from '@/components/Logo';

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <div className="shell">
      <aside>
        <Logo />
      </aside>
      <section>{children}</section>
    </div>
  );
}
