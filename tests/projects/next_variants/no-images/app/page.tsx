// import Image from 'next/image';  -- dropped for plain <img> tags
/* const Image = require("next/image"); */
export default function Page() {
  return <img src="/logo.png" alt="" />;
}
