"""The page script, as text constants (the bundle ships .py files; no CDN, no framework).

VALIDATE is pure (no DOM) so tests run it under node against settings.check_field;
APP is the rest: live values from /data.json, the power graph from /history.json,
the setup form's checks, the log page's copy buttons.  assets.py joins them with
the rules table from formrules.py.  Plain ES2017, no build step.
"""

VALIDATE = r"""
var WS=/^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
function emStrip(s,c){var a=0,b=s.length;while(a<b&&c.indexOf(s[a])>=0)a++;while(b>a&&c.indexOf(s[b-1])>=0)b--;return s.slice(a,b);}
function emCheck(R,name,s){
  var f=R.fields[name];if(!f)return null;
  if(f[1]&&s==='')return null;
  if(new TextEncoder().encode(s).length>R.max)return 'too long';
  var steps=R.kinds[f[0]];
  for(var i=0;i<steps.length;i++){
    var t=steps[i],op=t[0],n=Array.from(s).length,k,ok=true;
    if(op==='trim'){s=s.replace(WS,'');continue;}
    if(op==='strip'){s=emStrip(s,t[1]);continue;}
    if(op==='lower'){s=s.toLowerCase();continue;}
    if(op==='drop'){s=s.split(t[1]).join('');continue;}
    if(op==='empty_ok'){if(s==='')return null;continue;}
    if(op==='len')ok=n>=t[1]&&n<=t[2];
    else if(op==='bytes')ok=new TextEncoder().encode(s).length<=t[1];
    else if(op==='only'){for(k of s)if(t[1].indexOf(k)<0)ok=false;}
    else if(op==='none'){for(k of s)if(t[1].indexOf(k)>=0)ok=false;}
    else if(op==='ascii')ok=/^[ -~]*$/.test(s);
    else if(op==='noctl')ok=!/[\x00-\x1f\x7f]/.test(s);
    else if(op==='edge')ok=!(s.charAt(0)===t[1]||s.charAt(s.length-1)===t[1]);
    else if(op==='int')ok=/^[0-9]+$/.test(s)&&+s>=t[1]&&+s<=t[2];
    else if(op==='prefix')ok=t[1].some(function(p){return s.indexOf(p)===0;});
    if(!ok)return t[t.length-1];
  }
  return null;
}
"""

APP = r"""
var d=document,$=function(q,e){return (e||d).querySelector(q);},$$=function(q,e){return Array.prototype.slice.call((e||d).querySelectorAll(q));};
function exact(text){
  // keep the meter's digits ("0.000" stays "0.000") where the browser can
  try{return JSON.parse(text,function(k,v,c){return typeof v==='number'&&c&&c.source?c.source:v;});}
  catch(e){return JSON.parse(text);}
}
function get(url,cb){
  var x=new XMLHttpRequest();x.open('GET',url);x.timeout=8000;
  x.onload=function(){if(x.status===200)cb(x.responseText);else cb(null);};
  x.onerror=x.ontimeout=function(){cb(null);};x.send();
}
function path(o,p){p=p.split('.');for(var i=0;i<p.length&&o!=null;i++)o=o[p[i]];return o;}
function pad(n){return (n<10?'0':'')+n;}
var FMT={
  dur:function(v){v=Math.floor(+v);var dd=Math.floor(v/86400),h=Math.floor(v%86400/3600),m=Math.floor(v%3600/60);
    return (dd?dd+' d ':'')+pad(h)+':'+pad(m)+':'+pad(v%60);},
  kb:function(v){return Math.round(v/1024)+' kB';},
  dbm:function(v){return v+' dBm';},
  ago:function(v){v=Math.floor(+v);return v<120?v+' s ago':Math.floor(v/60)+' min ago';}
};
function show(el,v){
  var f=el.getAttribute('data-f');
  var t=v==null||v===''?(el.getAttribute('data-z')||'\u2013'):(f&&FMT[f]?FMT[f](v):String(v));
  if(el.textContent!==t)el.textContent=t;
}
$$('header nav a').forEach(function(a){if(a.getAttribute('href')===location.pathname)a.setAttribute('aria-current','page');});
var seen={},status=$('[data-status]');
var box=$('[data-live]');
function kwh(el,x){return el.getAttribute('data-f')==='kwh'&&x.unit==='Wh';}
function kilo(s){  // '38211671' Wh -> '38211.671' kWh: the decimal point moves, no float
  var neg=s[0]==='-',p,i,f;if(neg)s=s.slice(1);p=s.indexOf('.');i=p<0?s:s.slice(0,p);f=p<0?'':s.slice(p+1);
  while(i.length<4)i='0'+i;return (neg?'-':'')+i.slice(0,-3).replace(/^0+(?=\d)/,'')+'.'+i.slice(-3)+f;}
function banner(text){var el=$('#stale');if(!el)return;el.hidden=!text;if(text)el.textContent=text;}
function live(doc){
  var r=doc.readings||{};
  // a page drawn before the first message has no places for the values yet
  if(box.hasAttribute('data-empty')&&doc.format){location.reload();return;}
  $$('[data-o]').forEach(function(el){var x=r[el.getAttribute('data-o')];
    show(el,x&&(kwh(el,x)?kilo(String(x.value)):x.value));});
  $$('[data-u]').forEach(function(el){var x=r[el.getAttribute('data-u')];if(x&&x.unit)el.textContent=kwh(el,x)?'kWh':x.unit;});
  $$('[data-d]').forEach(function(el){show(el,path(doc,el.getAttribute('data-d')));});
  var dev=doc.device||{},c=dev.counters||{};
  banner(dev.elapsed==null?'Waiting for the meter: no valid message yet.':
    +dev.elapsed>60?'No message from the meter for over a minute.':'');
  var key=c.frames_rejected+'/'+c.errors;
  if(status&&seen.k!==undefined&&seen.k!==key)get('/status.json',function(t){
    if(!t)return;var s=JSON.parse(t);$$('[data-s]').forEach(function(e){show(e,path(s,e.getAttribute('data-s')));});});
  seen.k=key;
  box.setAttribute('data-at',+(box.getAttribute('data-at')||0)+1);
}
// --- the power graph ---------------------------------------------------
var G=$('#graph'),hist=null,range='h',NS='http://www.w3.org/2000/svg';
function svg(tag,a,p){var e=d.createElementNS(NS,tag);for(var k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function nice(lo,hi,n){
  var span=hi-lo||1,s=Math.pow(10,Math.floor(Math.log10(span/n))),m=[1,2,2.5,5,10];
  for(var i=0;i<m.length;i++)if(span/(s*m[i])<=n){s*=m[i];break;}
  return {lo:Math.floor(lo/s)*s,hi:Math.ceil(hi/s)*s,step:s};
}
function ago(s){return s<3600?(s/60)+' min':(s/3600)+' h';}
function watt(v){var a=Math.abs(v);return a>=10000?(v/1000).toFixed(0)+' kW':a>=1000?(v/1000).toFixed(1)+' kW':v+' W';}
function draw(){
  if(!G||!hist)return;
  var day=range==='d',step=day?hist.lstep:hist.step,vals=day?hist.d:hist.h,age=(day?hist.lage:hist.age)/1000,
      n=vals.length,pts=[],i,t,span=0,wins=day?[7200,21600,43200,86400]:[300,900,1800,3600],
      ticks={300:60,900:300,1800:600,3600:900,7200:1800,21600:3600,43200:10800,86400:14400};
  for(i=0;i<n;i++)if(vals[i]!=null){t=-(n-i)*step-age+step/2;if(t>=-wins[3])pts.push([t,vals[i]]);}
  if(hist.cur!=null)pts.push([0,hist.cur]);
  // a short history gets a shorter window, so a fresh start is not a dot at the edge
  for(i=0;i<wins.length&&!span;i++)if(!pts.length||-pts[0][0]<=wins[i])span=wins[i];span=span||wins[3];
  var W=Math.max(280,G.clientWidth),H=W<560?190:260,L=52,R=10,T=10,B=24;
  var lo=0,hi=0;pts.forEach(function(p){if(p[1]<lo)lo=p[1];if(p[1]>hi)hi=p[1];});
  var y=nice(lo,hi||100,4),X=function(t){return L+(t+span)/span*(W-L-R);},Y=function(v){return T+(y.hi-v)/(y.hi-y.lo)*(H-T-B);};
  var s=svg('svg',{viewBox:'0 0 '+W+' '+H,width:W,height:H,role:'img','data-n':pts.length,
    'aria-label':'Power over the last '+ago(span)});
  for(var v=y.lo;v<=y.hi+y.step/2;v+=y.step){
    svg('line',{x1:L,x2:W-R,y1:Y(v),y2:Y(v),'class':v===0?'zero':'grid'},s);
    svg('text',{x:L-6,y:Y(v)+4,'text-anchor':'end'},s).textContent=watt(Math.round(v));
  }
  var tick=ticks[span]*(W<480&&span!==1800?2:1);
  for(t=-span;t<=0;t+=tick){
    svg('line',{x1:X(t),x2:X(t),y1:T,y2:H-B,'class':'grid'},s);
    svg('text',{x:X(t),y:H-6,'text-anchor':t===-span?'start':t===0?'end':'middle'},s).textContent=
      t===0?'now':ago(-t);
  }
  // one line per run of points; a gap longer than two slots breaks it
  var line='',area='',run=[],gap=step*2.5;
  function flush(){
    if(!run.length)return;
    var p=run.map(function(q){return X(q[0]).toFixed(1)+','+Y(q[1]).toFixed(1);});
    line+='M'+p.join('L');
    area+='M'+X(run[0][0]).toFixed(1)+','+Y(0).toFixed(1)+'L'+p.join('L')+'L'+X(run[run.length-1][0]).toFixed(1)+','+Y(0).toFixed(1)+'Z';
    run=[];
  }
  pts.forEach(function(p,j){if(j&&p[0]-pts[j-1][0]>gap)flush();run.push(p);});flush();
  // the area above zero is drawn in the import colour, below it in the export colour
  var z=Y(0),clip=[['gi',T,z-T],['ge',z,H-B-z]];
  clip.forEach(function(c){if(c[2]>0){svg('rect',{x:0,y:c[1],width:W,height:c[2]},svg('clipPath',{id:c[0]},s));
    svg('path',{d:area,'class':'area '+c[0],'clip-path':'url(#'+c[0]+')'},s);}});
  svg('path',{d:line,'class':'line'},s);
  if(pts.length===1||(pts.length&&!line.match(/L/))){var p=pts[pts.length-1];svg('circle',{cx:X(p[0]),cy:Y(p[1]),r:3,'class':'dot'},s);}
  G.textContent='';G.appendChild(s);
  var sum=0,mn=Infinity,mx=-Infinity;pts.forEach(function(p){sum+=p[1];if(p[1]<mn)mn=p[1];if(p[1]>mx)mx=p[1];});
  var cap=$('#gcap');
  if(cap)cap.textContent=pts.length?'min '+watt(mn)+' \u00b7 average '+watt(Math.round(sum/pts.length))+' \u00b7 max '+watt(mx):'No power values yet.';
}
function loadHistory(){get('/history.json',function(t){if(t){hist=JSON.parse(t);draw();}});}
$$('[data-range]').forEach(function(b){b.addEventListener('click',function(){
  range=b.getAttribute('data-range');
  $$('[data-range]').forEach(function(o){o.setAttribute('aria-pressed',o===b?'true':'false');});draw();});});
var rz;window.addEventListener('resize',function(){clearTimeout(rz);rz=setTimeout(draw,150);});
// --- energy bars from /energy.json: import up, export down, partial bars paler ---
var E=$('#energy'),en=null;
function bars(el,rows,lab,what){
  var W=Math.max(260,el.clientWidth),H=150,L=40,R=4,T=8,B=20,n=rows.length,hi=0,lo=0,k=Math.ceil(n/8);
  rows.forEach(function(r){hi=Math.max(hi,+r.import||0);lo=Math.min(lo,-(+r.export||0));});
  var y=nice(lo,hi||1,3),Y=function(v){return T+(y.hi-v)/(y.hi-y.lo)*(H-T-B);},bw=(W-L-R)/Math.max(n,1);
  var s=svg('svg',{viewBox:'0 0 '+W+' '+H,width:W,height:H,role:'img','aria-label':what});
  for(var v=y.lo;v<=y.hi+y.step/2;v+=y.step){svg('line',{x1:L,x2:W-R,y1:Y(v),y2:Y(v),'class':Math.abs(v)<1e-9?'zero':'grid'},s);
    svg('text',{x:L-4,y:Y(v)+4,'text-anchor':'end'},s).textContent=+v.toFixed(3);}
  rows.forEach(function(r,i){var x=L+i*bw+bw*.12,w=bw*.76,a=+r.import||0,b=+r.export||0,p=r.partial?' pt':'';
    svg('title',{},svg('rect',{x:x,y:Y(a),width:w,height:Y(0)-Y(a),'class':'bi'+p,'data-k':r.start,'data-v':r.import},s))
      .textContent=r.start+': '+r.import+' kWh in'+(b?', '+r.export+' out':'')+(r.partial?' (not the whole '+what+')':'');
    if(b)svg('rect',{x:x,y:Y(0),width:w,height:Y(-b)-Y(0),'class':'bx'+p,'data-k':r.start,'data-v':r.export},s);
    if((n-1-i)%k===0)svg('text',{x:x+w/2,y:H-6,'text-anchor':'middle'},s).textContent=lab(r.start);});
  el.textContent='';el.appendChild(s);
}
function drawEnergy(){
  if(!E||!en)return;
  var h=en.hours.slice(-48),dd=en.days,m=en.months.slice(-12),last=dd.length?dd[dd.length-1]:null,mo=en.months.length?en.months[en.months.length-1]:null;
  dd=dd.filter(function(r){return last&&r.start.slice(0,7)===last.start.slice(0,7);});
  E.hidden=!h.length;
  [['hours',h,function(s){return s.slice(11,13);},'hour'],['days',dd,function(s){return +s.slice(8,10);},'day'],
   ['months',m,function(s){return s.slice(5,7);},'month']].forEach(function(c){var el=$('[data-bars="'+c[0]+'"]',E);if(el)bars(el,c[1],c[2],c[3]);});
  var p=en.peaks||{},P=$('[data-peaks]',E),t='<table class="kv">';
  (p.hours||[]).forEach(function(x){t+='<tr><th>'+x.start.slice(5,16).replace('T',' ')+'</th><td>'+x.import+' kWh</td></tr>';});
  t+='<tr><th>Mean of '+(p.hours||[]).length+' (of '+p.n+')</th><td>'+(p.mean==null?'\u2013':p.mean+' kWh')+'</td></tr>';
  if(p.meter&&p.meter.current)t+='<tr><th>Meter peak '+String(p.meter.current.start||'').slice(5,16).replace('T',' ')+'</th><td>'+p.meter.current.value+' '+p.meter.current.unit+'</td></tr>';
  if(P)P.innerHTML=t+'</table>';
  [['today',last],['month',mo]].forEach(function(c){var el=$('[data-e="'+c[0]+'"]');if(el&&c[1]&&c[1].partial)show(el,c[1].import+' kWh');});
}
function loadEnergy(){if(!d.hidden)get('/energy.json',function(t){if(t){en=exact(t);drawEnergy();}});}
if(E){loadEnergy();setInterval(loadEnergy,60000);window.addEventListener('resize',function(){clearTimeout(rz);rz=setTimeout(function(){draw();drawEnergy();},150);});}
// --- polling (paused while the page is hidden) ---------------------------
var n=0,timer=null;
function tick(){
  if(d.hidden){timer=null;return;}
  get('/data.json',function(t){if(t)live(exact(t));else banner('The device does not answer; trying again.');});
  if(G&&n%6===0)loadHistory();
  n++;timer=setTimeout(tick,5000);
}
if(box){
  d.documentElement.classList.add('js');
  d.addEventListener('visibilitychange',function(){if(!d.hidden&&!timer)tick();});
  tick();
}
// --- setup: the server's checks, in the browser --------------------------
var F=$('form[action="/setup"]');
if(F){
  F.noValidate=true;
  var mark=function(el,msg){
    var lab=$('label[for="'+el.id+'"]',F),sp=lab&&$('.err',lab);
    if(!lab)return;
    if(!msg){if(sp)sp.remove();el.removeAttribute('aria-invalid');return;}
    if(!sp){sp=d.createElement('span');sp.className='err';lab.appendChild(d.createTextNode(' '));lab.appendChild(sp);}
    sp.textContent=msg;el.setAttribute('aria-invalid','true');
  };
  var chk=function(el){return el.name&&RULES.fields[el.name]?emCheck(RULES,el.name,el.value):null;};
  F.addEventListener('input',function(e){if(e.target.getAttribute('aria-invalid'))mark(e.target,chk(e.target));});
  F.addEventListener('change',function(e){mark(e.target,chk(e.target));});
  F.addEventListener('submit',function(e){
    var bad=null;
    Array.prototype.forEach.call(F.elements,function(el){if(!RULES.fields[el.name])return;var m=chk(el);mark(el,m);if(m&&!bad)bad=el;});
    if(!bad)return;
    e.preventDefault();bad.focus();
    var p=$('#formnote')||F.parentNode.insertBefore(d.createElement('p'),F);
    p.id='formnote';p.className='err';p.textContent='Nothing was saved: please correct the marked fields.';
  });
}
// --- log: copy one entry ---------------------------------------------------
$$('[data-copy]').forEach(function(b){b.hidden=false;b.addEventListener('click',function(){
  var src=d.getElementById(b.getAttribute('data-copy')),text=src.textContent,done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy';},1500);};
  var old=function(){  // plain http (a board on the LAN) has no navigator.clipboard
    var ta=d.createElement('textarea');ta.value=text;ta.setAttribute('readonly','');ta.style.position='fixed';ta.style.opacity='0';
    d.body.appendChild(ta);ta.select();try{if(d.execCommand('copy'))done();}catch(e){}d.body.removeChild(ta);};
  if(navigator.clipboard&&window.isSecureContext)navigator.clipboard.writeText(text).then(done,old);else old();
});});
"""
