import '../styles/base.css';
import './account.css';
import { render } from 'preact';
import { AccountPage } from './AccountPage.tsx';
import { ApprovalsPage } from './ApprovalsPage.tsx';
import { LoginPage, ResetPage, SignUpPage } from './AuthPages.tsx';

// One page for the account paths (the edge serves the same HTML for each).
const PAGES: Record<string, () => preact.JSX.Element> = {
  '/signup': SignUpPage,
  '/login': LoginPage,
  '/reset': ResetPage,
  '/account': AccountPage,
  '/admin/approvals': ApprovalsPage,
};

const Page = PAGES[location.pathname] ?? AccountPage;
render(<Page />, document.getElementById('app')!);
